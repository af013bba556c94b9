package vm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	agmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/models"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/network"
)

// Availability-group configuration types (ag CreateAg): a strict group
// launches instances only from its instance template, a loose one takes
// each instance's own specification.
const (
	configStrict = "strict"
	configLoose  = "loose"
)

func describeGroup(ctx context.Context, c *jdcloud.Client, agID string) (agmodels.AvailabilityGroup, error) {
	return jdcloud.LookupAg(ctx, c, agID)
}

// groupProblems reports, for a planned instance, what the group makes
// impossible: a strict group (this resource gives every instance its own
// type, image and network, which JD Cloud refuses there) and a zone the
// group does not span.
func groupProblems(g agmodels.AvailabilityGroup, az string) (strict, zone error) {
	if g.ConfigurationType == configStrict {
		strict = fmt.Errorf("availability group %s has configurationType %q (关联模板型): JD Cloud creates its instances from the "+
			"group's instance template %q and refuses an instance type, image or network given with them, so jdcloudha_instance "+
			"cannot create or move instances into it. Use a group with configurationType %q, such as one made by "+
			"jdcloudha_availability_group", g.Id, configStrict, g.InstanceTemplateId, configLoose)
	}
	if az != "" && !slices.Contains(g.Azs, az) {
		zone = fmt.Errorf("az %q is not one of availability group %s's zones %v; an availability group places instances only in its own zones", az, g.Id, g.Azs)
	}
	return strict, zone
}

// privateIPHolder says who holds ip in subnetID ("" when free), through
// the network package's check (every interface of the subnet), ignoring
// self, the instance being changed.
//
// Terraform plans the create half of a replacement with no prior state, so
// self is unknown then: an instance named selfName is taken to be the one
// being replaced (it is destroyed first and frees the address).
func privateIPHolder(ctx context.Context, c *jdcloud.Client, subnetID, ip, self, selfName string) (string, error) {
	holder, err := network.PrivateIPHolder(ctx, c, subnetID, ip, self)
	if err != nil || holder == "" || self != "" {
		return holder, err
	}
	if id, isInstance := strings.CutPrefix(holder, "instance "); isInstance {
		if inst, err := jdcloud.FindInstanceByID(ctx, c, id); err == nil && inst.InstanceName == selfName {
			return "", nil
		}
	}
	return holder, nil
}

// moveToGroup moves an existing instance into agID (ModifyInstancePlacement:
// running or stopped, same zone and VPC) and waits until the API reports the
// new group. A task in progress is waited out first.
func (r *instanceResource) moveToGroup(ctx context.Context, id, agID string) (vmmodels.Instance, error) {
	if _, err := jdcloud.WaitFor(ctx, r.Client, jdcloud.Wait[vmmodels.Instance]{
		What:      fmt.Sprintf("instance %s to be running or stopped before changing its availability group", id),
		PollFirst: true,
		Pending:   transitional,
		Target:    []string{statusRunning, statusStopped},
		Refresh:   r.refresh(id),
	}); err != nil {
		return vmmodels.Instance{}, err
	}
	req := vmapis.NewModifyInstancePlacementRequest(r.Client.Region, id)
	req.SetAgId(agID)
	if _, err := jdcloud.Call(ctx, r.Client, "vm.ModifyInstancePlacement", func() (*vmapis.ModifyInstancePlacementResponse, error) {
		return r.Client.VM.ModifyInstancePlacement(req)
	}); err != nil {
		return vmmodels.Instance{}, err
	}
	// Whether the move is complete when the call answers is not documented.
	const moved, moving = "moved", "moving"
	return jdcloud.WaitFor(ctx, r.Client, jdcloud.Wait[vmmodels.Instance]{
		What:      fmt.Sprintf("instance %s to show availability group %s", id, agID),
		PollFirst: true,
		Pending:   []string{moving},
		Target:    []string{moved},
		Refresh: func(ctx context.Context) (vmmodels.Instance, string, error) {
			inst, err := jdcloud.FindInstanceByID(ctx, r.Client, id)
			if err != nil {
				return inst, "", err
			}
			if inst.Ag.Id == agID {
				return inst, moved, nil
			}
			return inst, moving, nil
		},
	})
}

// leftBehind returns the instance that holds the plan's private IP in its
// subnet under the plan's name (what a create whose answer was lost made),
// or "" when there is none or the API cannot tell.
func (r *instanceResource) leftBehind(ctx context.Context, plan instanceModel) string {
	holder, err := network.PrivateIPHolder(ctx, r.Client, plan.SubnetID.ValueString(), plan.PrivateIP.ValueString(), "")
	id, isInstance := strings.CutPrefix(holder, "instance ")
	if err != nil || !isInstance {
		return ""
	}
	inst, err := jdcloud.FindInstanceByID(ctx, r.Client, id)
	if err != nil || inst.InstanceName != plan.Name.ValueString() || inst.SubnetId != plan.SubnetID.ValueString() {
		return ""
	}
	return id
}

// stopBeforeDelete stops a running instance and waits until it is stopped,
// so that its services shut down cleanly: keepalived sends a priority-0
// advert on SIGTERM and the peer takes over at once instead of after the
// advert timeout. It is best effort: a refusal is logged and the deletion
// goes ahead.
func (r *instanceResource) stopBeforeDelete(ctx context.Context, id string) {
	// Keep at least half of the delete timeout for the deletion itself.
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Until(deadline)/2)
		defer cancel()
	}
	_, err := jdcloud.Call(ctx, r.Client, "vm.StopInstance", func() (*vmapis.StopInstanceResponse, error) {
		return r.Client.VM.StopInstance(vmapis.NewStopInstanceRequest(r.Client.Region, id))
	})
	if err == nil {
		_, err = jdcloud.WaitFor(ctx, r.Client, jdcloud.Wait[vmmodels.Instance]{
			What:    fmt.Sprintf("instance %s to stop before deletion", id),
			Pending: append([]string{statusRunning}, transitional...),
			Target:  []string{statusStopped, statusError, jdcloud.StateGone},
			Refresh: r.refresh(id),
		})
	}
	if err != nil {
		tflog.Warn(ctx, "stopping the instance before deleting it failed; deleting it running", map[string]any{"instance_id": id, "error": err.Error()})
	}
}

// createInstance sends CreateInstances for one instance and returns its ID.
// Which instanceSpec fields a loose group accepts is not documented: if
// JD Cloud refuses the spec with the group's agId as an invalid argument and
// the group is loose, the instance is created without agId in its zone, and
// joinLater names the group to move it into once it runs.
func (r *instanceResource) createInstance(ctx context.Context, spec *vmmodels.InstanceSpec) (id, joinLater string, err error) {
	id, err = r.sendCreate(ctx, spec)
	agID := ""
	if spec.AgId != nil {
		agID = *spec.AgId
	}
	if err == nil || agID == "" || !jdcloud.HasStatus(err, "INVALID_ARGUMENT") {
		return id, "", err
	}
	g, gerr := describeGroup(ctx, r.Client, agID)
	if gerr != nil || g.ConfigurationType != configLoose {
		return "", "", err
	}
	tflog.Info(ctx, "JD Cloud refused the instance's own specification in a loose availability group; creating it outside the group and moving it in",
		map[string]any{"ag_id": agID, "error": err.Error()})
	outside := *spec
	outside.AgId = nil
	id, ferr := r.sendCreate(ctx, &outside)
	if ferr != nil {
		// Refused without the group too: the spec itself is wrong, and this
		// answer names it without the group in the way.
		return "", "", ferr
	}
	return id, agID, nil
}

// sendCreate is one CreateInstances of one instance, with one client token
// for every retry so that a retried request after a lost answer returns the
// first instance instead of making a second.
func (r *instanceResource) sendCreate(ctx context.Context, spec *vmmodels.InstanceSpec) (string, error) {
	token := jdcloud.NewClientToken()
	one := 1
	created, err := jdcloud.Call(ctx, r.Client, "vm.CreateInstances", func() (*vmapis.CreateInstancesResponse, error) {
		return r.Client.VM.CreateInstances(vmapis.NewCreateInstancesRequestWithAllParams(r.Client.Region, spec, &one, &token))
	})
	if err != nil {
		return "", err
	}
	if n := len(created.Result.InstanceIds); n != 1 {
		return "", fmt.Errorf("vm.CreateInstances returned %d instance IDs for a request of one (request ID %s)", n, created.RequestID)
	}
	return created.Result.InstanceIds[0], nil
}

// launchScriptProblem applies JD Cloud's rule for Linux launch scripts: the
// first line is #!/bin/bash or #!/usr/bin/env python (vm Userdata note).
func launchScriptProblem(osType, script string) error {
	if osType != "linux" || script == "" {
		return nil
	}
	if strings.HasPrefix(script, "#!/bin/bash") || strings.HasPrefix(script, "#!/usr/bin/env python") {
		return nil
	}
	firstLine, _, _ := strings.Cut(script, "\n")
	return fmt.Errorf("the image is a Linux image, and JD Cloud runs a Linux launch script only if its first line is "+
		"#!/bin/bash or #!/usr/bin/env python; this one starts with %q", firstLine)
}
