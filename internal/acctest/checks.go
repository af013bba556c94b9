package acctest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/terraform"
	agapis "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/apis"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

// pageSize is the API's largest page.
const pageSize = 100

// checkTimeout bounds one check (with its retries and waits).
const checkTimeout = 60 * time.Second

// pollInterval is the longest wait between two looks at the emulator's state.
const pollInterval = 250 * time.Millisecond

// testPolicy retries like the provider does, with short delays: checks run
// against emulators that may be injecting 5xx and 429 answers.
var testPolicy = jdcloudapi.Policy{MaxRetries: 10, BaseDelay: 10 * time.Millisecond, MaxDelay: 200 * time.Millisecond}

// Call sends one SDK call with retries on transport errors, 5xx and 429, and
// folds the response's error envelope into a Go error (an *jdcloudapi.Error, so
// jdcloudapi.IsNotFound works on it). For checks and out-of-band changes.
func Call[R any](name string, send func() (*R, error)) (*R, error) {
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	return jdcloudapi.Do(ctx, testPolicy, name, jdcloudapi.Idempotent, send)
}

// Leftovers lists, by kind, the IDs of every instance, elastic IP,
// availability group, security group, subnet and VPC that srv's API reports
// in its region. Kinds with nothing left are absent.
func Leftovers(srv *emulator.Server) (map[string][]string, error) {
	vm, vpc, ag, _ := SDKClients(srv)
	region := Region(srv)
	left := map[string][]string{}
	// more reports whether another page may follow.
	more := func(page, got, total int) bool { return got > 0 && page*pageSize < total }

	for page := 1; ; page++ {
		req := vmapis.NewDescribeInstancesRequest(region)
		req.SetPageNumber(page)
		req.SetPageSize(pageSize)
		resp, err := Call("vm.DescribeInstances", func() (*vmapis.DescribeInstancesResponse, error) { return vm.DescribeInstances(req) })
		if err != nil {
			return nil, err
		}
		for _, i := range resp.Result.Instances {
			left["instance"] = append(left["instance"], fmt.Sprintf("%s (%s)", i.InstanceId, i.Status))
		}
		if !more(page, len(resp.Result.Instances), resp.Result.TotalCount) {
			break
		}
	}
	for page := 1; ; page++ {
		req := vpcapis.NewDescribeElasticIpsRequest(region)
		req.SetPageNumber(page)
		req.SetPageSize(pageSize)
		resp, err := Call("vpc.DescribeElasticIps", func() (*vpcapis.DescribeElasticIpsResponse, error) { return vpc.DescribeElasticIps(req) })
		if err != nil {
			return nil, err
		}
		for _, e := range resp.Result.ElasticIps {
			left["elastic_ip"] = append(left["elastic_ip"], e.ElasticIpId)
		}
		if !more(page, len(resp.Result.ElasticIps), resp.Result.TotalCount) {
			break
		}
	}
	for page := 1; ; page++ {
		req := agapis.NewDescribeAgsRequest(region)
		req.SetPageNumber(page)
		req.SetPageSize(pageSize)
		resp, err := Call("ag.DescribeAgs", func() (*agapis.DescribeAgsResponse, error) { return ag.DescribeAgs(req) })
		if err != nil {
			return nil, err
		}
		for _, g := range resp.Result.Ags {
			left["availability_group"] = append(left["availability_group"], g.Id)
		}
		if !more(page, len(resp.Result.Ags), resp.Result.TotalCount) {
			break
		}
	}
	for page := 1; ; page++ {
		req := vpcapis.NewDescribeNetworkSecurityGroupsRequest(region)
		req.SetPageNumber(page)
		req.SetPageSize(pageSize)
		resp, err := Call("vpc.DescribeNetworkSecurityGroups", func() (*vpcapis.DescribeNetworkSecurityGroupsResponse, error) {
			return vpc.DescribeNetworkSecurityGroups(req)
		})
		if err != nil {
			return nil, err
		}
		for _, g := range resp.Result.NetworkSecurityGroups {
			left["security_group"] = append(left["security_group"], g.NetworkSecurityGroupId)
		}
		if !more(page, len(resp.Result.NetworkSecurityGroups), resp.Result.TotalCount) {
			break
		}
	}
	for page := 1; ; page++ {
		req := vpcapis.NewDescribeSubnetsRequest(region)
		req.SetPageNumber(page)
		req.SetPageSize(pageSize)
		resp, err := Call("vpc.DescribeSubnets", func() (*vpcapis.DescribeSubnetsResponse, error) { return vpc.DescribeSubnets(req) })
		if err != nil {
			return nil, err
		}
		for _, s := range resp.Result.Subnets {
			left["subnet"] = append(left["subnet"], s.SubnetId)
		}
		if !more(page, len(resp.Result.Subnets), resp.Result.TotalCount) {
			break
		}
	}
	for page := 1; ; page++ {
		req := vpcapis.NewDescribeVpcsRequest(region)
		req.SetPageNumber(page)
		req.SetPageSize(pageSize)
		resp, err := Call("vpc.DescribeVpcs", func() (*vpcapis.DescribeVpcsResponse, error) { return vpc.DescribeVpcs(req) })
		if err != nil {
			return nil, err
		}
		for _, v := range resp.Result.Vpcs {
			left["vpc"] = append(left["vpc"], v.VpcId)
		}
		if !more(page, len(resp.Result.Vpcs), resp.Result.TotalCount) {
			break
		}
	}
	return left, nil
}

// CheckNothingLeft is a CheckDestroy: it asks srv's API that no instance,
// elastic IP, availability group, security group, subnet or VPC is left in
// the region. Use it only when the test's emulator holds nothing else.
func CheckNothingLeft(srv *emulator.Server) func(*terraform.State) error {
	return func(*terraform.State) error {
		left, err := Leftovers(srv)
		if err != nil {
			return fmt.Errorf("listing what is left: %w", err)
		}
		if len(left) == 0 {
			return nil
		}
		var parts []string
		for _, kind := range []string{"instance", "elastic_ip", "availability_group", "security_group", "subnet", "vpc"} {
			if ids := left[kind]; len(ids) > 0 {
				parts = append(parts, fmt.Sprintf("%s: %s", kind, strings.Join(ids, ", ")))
			}
		}
		return fmt.Errorf("resources left in %s after destroy: %s", Region(srv), strings.Join(parts, "; "))
	}
}

// CheckDisappears deletes the resource at addr (e.g. "jdcloudha_instance.master")
// behind Terraform's back with del, the deleter of that resource's package,
// which also waits until the API no longer finds it. Use it through
// DisappearsStep in _disappears tests.
func CheckDisappears(addr string, del func(id string) error) func(*terraform.State) error {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s is not in the state", addr)
		}
		if rs.Primary == nil || rs.Primary.ID == "" {
			return fmt.Errorf("%s has no ID in the state", addr)
		}
		return del(rs.Primary.ID)
	}
}

// Deleter returns a deleter of one kind of object for CheckDisappears: it
// deletes the object through the API, as a user in the console would, and
// waits until get answers NOT_FOUND. kind names the object in errors
// (jdcloudha_vpc); del and get are sent through Call, with srv's region.
func Deleter[D, G any](srv *emulator.Server, kind, delName string, del func(region, id string) (*D, error), getName string, get func(region, id string) (*G, error)) func(id string) error {
	region := Region(srv)
	return func(id string) error {
		if _, err := Call(delName, func() (*D, error) { return del(region, id) }); err != nil {
			return fmt.Errorf("deleting %s %s out of band: %w", kind, id, err)
		}
		return waitGone(kind+" "+id, func() error { _, err := Call(getName, func() (*G, error) { return get(region, id) }); return err })
	}
}

// waitGone polls get until it reports NOT_FOUND.
func waitGone(what string, get func() error) error {
	var err error
	if !testutil.Wait(checkTimeout, pollInterval, func() bool { err = get(); return err != nil }) {
		return fmt.Errorf("timed out after %s waiting for %s to be gone", checkTimeout, what)
	}
	if jdcloudapi.IsNotFound(err) {
		return nil
	}
	return fmt.Errorf("waiting for %s to be gone: %w", what, err)
}

// CheckCount asks srv's API that exactly want objects of kind (instance,
// elastic_ip, availability_group, security_group, subnet, vpc) exist in the
// region: a retried create that made a duplicate shows up here.
func CheckCount(srv *emulator.Server, kind string, want int) func(*terraform.State) error {
	return func(*terraform.State) error {
		left, err := Leftovers(srv)
		if err != nil {
			return err
		}
		if got := len(left[kind]); got != want {
			return fmt.Errorf("want %d %s in %s, the API lists %d: %v", want, kind, Region(srv), got, left[kind])
		}
		return nil
	}
}

// CheckAttrsDiffer checks that two resources' attributes are set and differ,
// e.g. the fault domains of the two members of a pair.
func CheckAttrsDiffer(addrA, attrA, addrB, attrB string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		get := func(addr, attr string) (string, error) {
			rs, ok := s.RootModule().Resources[addr]
			if !ok || rs.Primary == nil {
				return "", fmt.Errorf("%s is not in the state", addr)
			}
			v, ok := rs.Primary.Attributes[attr]
			if !ok || v == "" {
				return "", fmt.Errorf("%s.%s is not set", addr, attr)
			}
			return v, nil
		}
		a, err := get(addrA, attrA)
		if err != nil {
			return err
		}
		b, err := get(addrB, attrB)
		if err != nil {
			return err
		}
		if a == b {
			return fmt.Errorf("%s.%s and %s.%s are both %q; want them to differ", addrA, attrA, addrB, attrB, a)
		}
		return nil
	}
}

// CheckGone is a CheckDestroy: get (a describe through the API) answers
// NOT_FOUND for every resource of resourceType the state held (what names
// such an object in the error), and then nothing at all is left.
func CheckGone(srv *emulator.Server, resourceType, what string, get func(id string) error) func(*terraform.State) error {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != resourceType {
				continue
			}
			err := get(rs.Primary.ID)
			if err == nil {
				return fmt.Errorf("%s %s still exists after destroy", what, rs.Primary.ID)
			}
			if !jdcloudapi.IsNotFound(err) {
				return err
			}
		}
		return CheckNothingLeft(srv)(s)
	}
}
