package livetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jdcloud-api/jdcloud-sdk-go/core"
	agapis "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/apis"
	agclient "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/client"
	iamapis "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/apis"
	iamclient "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/client"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/client"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/client"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

// Clients are the SDK clients a sweep uses.
type Clients struct {
	VM  *vmclient.VmClient
	VPC *vpcclient.VpcClient
	AG  *agclient.AgClient
	IAM *iamclient.IamClient
}

// NewClients builds SDK clients for s as the provider does (jdcloud.New, the
// provider's defaults for what s leaves empty). Their log lines go to tflog,
// which nothing configures here: the SDK's default logger would write to
// stdout.
func NewClients(s Settings) (*Clients, error) {
	c, err := jdcloud.New(context.Background(), jdcloud.Config{
		AccessKey: s.AccessKey, SecretKey: s.SecretKey, Region: s.Region,
		Endpoint: s.Endpoint, Scheme: s.Scheme, RequestTimeout: 30 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	return &Clients{VM: c.VM, VPC: c.VPC, AG: c.AG, IAM: c.IAM}, nil
}

// Found is one resource a sweep matched.
type Found struct{ Kind, ID, Name string }

func (f Found) String() string { return fmt.Sprintf("%s %s (%s)", f.Kind, f.ID, f.Name) }

// SweepOptions choose what a sweep deletes.
type SweepOptions struct {
	Region string
	Prefix string // must start with livetest.Prefix
	DryRun bool   // list only
	Logf   func(format string, args ...any)
	// Poll is the first delay between checks while instances are deleted (default 2s).
	Poll time.Duration
}

// Sweep deletes, in dependency order, every resource of the region (and
// every IAM sub-user and policy) whose name starts with opts.Prefix:
// elastic IPs (released from their instance first), instances (waited until
// gone), availability groups, security groups, subnets, VPCs, sub-users,
// policies. It returns what it matched; errors do not stop it, they are
// joined into the returned error so one stuck resource does not keep the
// rest alive.
func Sweep(ctx context.Context, c *Clients, opts SweepOptions) ([]Found, error) {
	if !strings.HasPrefix(opts.Prefix, Prefix) {
		return nil, fmt.Errorf("sweep prefix %q must start with %q: the sweeper deletes only what the live suite named", opts.Prefix, Prefix)
	}
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	s := &sweeper{c: c, o: opts, logf: logf}
	s.elasticIPs()
	s.instances(ctx)
	s.availabilityGroups()
	s.securityGroups()
	s.subnets()
	s.vpcs()
	s.subUsers()
	s.policies()
	return s.found, errors.Join(s.errs...)
}

type sweeper struct {
	c     *Clients
	o     SweepOptions
	logf  func(string, ...any)
	found []Found
	errs  []error
}

// apiErr turns an SDK answer into an error (the SDK ignores HTTP status).
func apiErr(call string, err error, e core.ErrorResponse) error {
	if err != nil {
		return fmt.Errorf("%s: %w", call, err)
	}
	if e.Code != 0 {
		return fmt.Errorf("%s: %d %s: %s", call, e.Code, e.Status, e.Message)
	}
	return nil
}

func (s *sweeper) match(kind, id, name string) bool {
	if !Owned(name, s.o.Prefix) {
		return false
	}
	f := Found{kind, id, name}
	s.found = append(s.found, f)
	verb := "deleting"
	if s.o.DryRun {
		verb = "would delete"
	}
	s.logf("%s %s", verb, f)
	return !s.o.DryRun
}

func (s *sweeper) fail(err error) {
	if err != nil {
		s.logf("  %v", err)
		s.errs = append(s.errs, err)
	}
}

// retry runs fn until it succeeds or fails for a reason other than a
// passing state (FAILED_PRECONDITION while something settles, 409, 429,
// 5xx), with a growing delay, for about a minute.
func (s *sweeper) retry(fn func() error) error {
	delay := s.o.Poll
	deadline := time.Now().Add(time.Minute)
	for {
		err := fn()
		if err == nil || !transient(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(delay)
		if delay < 10*time.Second {
			delay += delay / 2
		}
	}
}

func transient(err error) bool {
	m := err.Error()
	for _, s := range []string{"FAILED_PRECONDITION", " 409 ", " 429 ", " 500 ", " 502 ", " 503 ", "ABORTED"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// pages calls list for page 1, 2, ... until total is reached.
func pages(list func(page int) (n, total int, err error)) error {
	for page := 1; ; page++ {
		n, total, err := list(page)
		if err != nil {
			return err
		}
		if n == 0 || page*100 >= total {
			return nil
		}
	}
}

func (s *sweeper) elasticIPs() {
	s.fail(pages(func(page int) (int, int, error) {
		req := vpcapis.NewDescribeElasticIpsRequest(s.o.Region)
		req.SetPageNumber(page)
		req.SetPageSize(100)
		r, err := s.c.VPC.DescribeElasticIps(req)
		if err := apiErr("vpc.DescribeElasticIps", err, r.Error); err != nil {
			return 0, 0, err
		}
		for _, x := range r.Result.ElasticIps {
			if !s.match("elastic IP", x.ElasticIpId, x.ElasticIpName) {
				continue
			}
			s.fail(s.retry(func() error { return s.releaseAndDelete(x.ElasticIpId) }))
		}
		return len(r.Result.ElasticIps), r.Result.TotalCount, nil
	}))
}

// releaseAndDelete reads the EIP again (an association may have been in
// progress when it was listed), releases it from its holder, and deletes it.
// While it is held or PROCESSING the answer is a transient refusal, so
// retry calls it again.
func (s *sweeper) releaseAndDelete(id string) error {
	r, err := s.c.VPC.DescribeElasticIp(vpcapis.NewDescribeElasticIpRequest(s.o.Region, id))
	if err == nil && r.Error.Code == 404 {
		return nil
	}
	if err := apiErr("vpc.DescribeElasticIp "+id, err, r.Error); err != nil {
		return err
	}
	x := r.Result.ElasticIp
	switch {
	case x.State == "PROCESSING":
		return fmt.Errorf("elastic IP %s: 400 FAILED_PRECONDITION: state PROCESSING", id)
	case x.InstanceId != "":
		d, err := s.c.VM.DisassociateElasticIp(vmapis.NewDisassociateElasticIpRequest(s.o.Region, x.InstanceId, id))
		if err := apiErr("vm.DisassociateElasticIp "+id, err, d.Error); err != nil {
			return err
		}
		return fmt.Errorf("elastic IP %s: 400 FAILED_PRECONDITION: released from %s, deleting next", id, x.InstanceId)
	case x.NetworkInterfaceId != "":
		req := vpcapis.NewDisassociateElasticIpRequest(s.o.Region, x.NetworkInterfaceId)
		req.SetElasticIpId(id)
		d, err := s.c.VPC.DisassociateElasticIp(req)
		if err := apiErr("vpc.DisassociateElasticIp "+id, err, d.Error); err != nil {
			return err
		}
		return fmt.Errorf("elastic IP %s: 400 FAILED_PRECONDITION: released from %s, deleting next", id, x.NetworkInterfaceId)
	}
	d, err := s.c.VPC.DeleteElasticIp(vpcapis.NewDeleteElasticIpRequest(s.o.Region, id))
	return apiErr("vpc.DeleteElasticIp "+id, err, d.Error)
}

func (s *sweeper) instances(ctx context.Context) {
	var deleting []string
	s.fail(pages(func(page int) (int, int, error) {
		req := vmapis.NewDescribeInstancesRequest(s.o.Region)
		req.SetPageNumber(page)
		req.SetPageSize(100)
		r, err := s.c.VM.DescribeInstances(req)
		if err := apiErr("vm.DescribeInstances", err, r.Error); err != nil {
			return 0, 0, err
		}
		for _, in := range r.Result.Instances {
			if !s.match("instance", in.InstanceId, in.InstanceName) {
				continue
			}
			if in.Status != "deleting" {
				d, err := s.c.VM.DeleteInstance(vmapis.NewDeleteInstanceRequest(s.o.Region, in.InstanceId))
				if err := apiErr("vm.DeleteInstance "+in.InstanceId, err, d.Error); err != nil {
					s.fail(err)
					continue
				}
			}
			deleting = append(deleting, in.InstanceId)
		}
		return len(r.Result.Instances), r.Result.TotalCount, nil
	}))
	// Groups, subnets and security groups stay busy until the instances are gone.
	deadline := time.Now().Add(10 * time.Minute)
	delay := s.o.Poll
	for _, id := range deleting {
		for {
			r, err := s.c.VM.DescribeInstance(vmapis.NewDescribeInstanceRequest(s.o.Region, id))
			if err == nil && r.Error.Code == 404 {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				s.fail(fmt.Errorf("instance %s still exists after waiting for its deletion", id))
				break
			}
			select {
			case <-ctx.Done():
			case <-time.After(delay):
			}
			if delay < 15*time.Second {
				delay += delay / 2
			}
		}
	}
}

func (s *sweeper) availabilityGroups() {
	s.fail(pages(func(page int) (int, int, error) {
		req := agapis.NewDescribeAgsRequest(s.o.Region)
		req.SetPageNumber(page)
		req.SetPageSize(100)
		r, err := s.c.AG.DescribeAgs(req)
		if err := apiErr("ag.DescribeAgs", err, r.Error); err != nil {
			return 0, 0, err
		}
		for _, g := range r.Result.Ags {
			if s.match("availability group", g.Id, g.Name) {
				s.fail(s.retry(func() error {
					d, err := s.c.AG.DeleteAg(agapis.NewDeleteAgRequest(s.o.Region, g.Id))
					return apiErr("ag.DeleteAg "+g.Id, err, d.Error)
				}))
			}
		}
		return len(r.Result.Ags), r.Result.TotalCount, nil
	}))
}

func (s *sweeper) securityGroups() {
	s.fail(pages(func(page int) (int, int, error) {
		req := vpcapis.NewDescribeNetworkSecurityGroupsRequest(s.o.Region)
		req.SetPageNumber(page)
		req.SetPageSize(100)
		r, err := s.c.VPC.DescribeNetworkSecurityGroups(req)
		if err := apiErr("vpc.DescribeNetworkSecurityGroups", err, r.Error); err != nil {
			return 0, 0, err
		}
		for _, g := range r.Result.NetworkSecurityGroups {
			if s.match("security group", g.NetworkSecurityGroupId, g.NetworkSecurityGroupName) {
				s.fail(s.retry(func() error {
					d, err := s.c.VPC.DeleteNetworkSecurityGroup(vpcapis.NewDeleteNetworkSecurityGroupRequest(s.o.Region, g.NetworkSecurityGroupId))
					return apiErr("vpc.DeleteNetworkSecurityGroup "+g.NetworkSecurityGroupId, err, d.Error)
				}))
			}
		}
		return len(r.Result.NetworkSecurityGroups), r.Result.TotalCount, nil
	}))
}

func (s *sweeper) subnets() {
	s.fail(pages(func(page int) (int, int, error) {
		req := vpcapis.NewDescribeSubnetsRequest(s.o.Region)
		req.SetPageNumber(page)
		req.SetPageSize(100)
		r, err := s.c.VPC.DescribeSubnets(req)
		if err := apiErr("vpc.DescribeSubnets", err, r.Error); err != nil {
			return 0, 0, err
		}
		for _, sn := range r.Result.Subnets {
			if s.match("subnet", sn.SubnetId, sn.SubnetName) {
				s.fail(s.retry(func() error {
					d, err := s.c.VPC.DeleteSubnet(vpcapis.NewDeleteSubnetRequest(s.o.Region, sn.SubnetId))
					return apiErr("vpc.DeleteSubnet "+sn.SubnetId, err, d.Error)
				}))
			}
		}
		return len(r.Result.Subnets), r.Result.TotalCount, nil
	}))
}

func (s *sweeper) vpcs() {
	s.fail(pages(func(page int) (int, int, error) {
		req := vpcapis.NewDescribeVpcsRequest(s.o.Region)
		req.SetPageNumber(page)
		req.SetPageSize(100)
		r, err := s.c.VPC.DescribeVpcs(req)
		if err := apiErr("vpc.DescribeVpcs", err, r.Error); err != nil {
			return 0, 0, err
		}
		for _, v := range r.Result.Vpcs {
			if s.match("VPC", v.VpcId, v.VpcName) {
				s.fail(s.retry(func() error {
					d, err := s.c.VPC.DeleteVpc(vpcapis.NewDeleteVpcRequest(s.o.Region, v.VpcId))
					return apiErr("vpc.DeleteVpc "+v.VpcId, err, d.Error)
				}))
			}
		}
		return len(r.Result.Vpcs), r.Result.TotalCount, nil
	}))
}

func (s *sweeper) subUsers() {
	s.fail(pages(func(page int) (int, int, error) {
		req := iamapis.NewDescribeSubUsersRequest()
		req.SetPageNumber(page)
		req.SetPageSize(100)
		r, err := s.c.IAM.DescribeSubUsers(req)
		if err := apiErr("iam.DescribeSubUsers", err, r.Error); err != nil {
			return 0, 0, err
		}
		for _, u := range r.Result.SubUsers {
			if s.match("IAM sub-user", u.Name, u.Name) {
				d, err := s.c.IAM.DeleteSubUser(iamapis.NewDeleteSubUserRequest(u.Name))
				s.fail(apiErr("iam.DeleteSubUser "+u.Name, err, d.Error))
			}
		}
		return len(r.Result.SubUsers), r.Result.Total, nil
	}))
}

func (s *sweeper) policies() {
	s.fail(pages(func(page int) (int, int, error) {
		req := iamapis.NewDescribePoliciesRequest()
		req.SetPageNumber(page)
		req.SetPageSize(100)
		r, err := s.c.IAM.DescribePolicies(req)
		if err := apiErr("iam.DescribePolicies", err, r.Error); err != nil {
			return 0, 0, err
		}
		for _, p := range r.Result.Policies {
			if s.match("IAM policy", p.Name, p.Name) {
				d, err := s.c.IAM.DeletePolicy(iamapis.NewDeletePolicyRequest(p.Name))
				s.fail(apiErr("iam.DeletePolicy "+p.Name, err, d.Error))
			}
		}
		return len(r.Result.Policies), r.Result.Total, nil
	}))
}
