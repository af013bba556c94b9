package vm

import (
	"context"
	"encoding/base64"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"
)

// instanceFields are the attributes the resource and the data source read
// alike from the API.
type instanceFields struct {
	ID                        types.String `tfsdk:"id"`
	Name                      types.String `tfsdk:"name"`
	AvailabilityGroupID       types.String `tfsdk:"availability_group_id"`
	AZ                        types.String `tfsdk:"az"`
	InstanceType              types.String `tfsdk:"instance_type"`
	ImageID                   types.String `tfsdk:"image_id"`
	SubnetID                  types.String `tfsdk:"subnet_id"`
	PrivateIP                 types.String `tfsdk:"private_ip"`
	SecurityGroupIDs          types.Set    `tfsdk:"security_group_ids"`
	KeyNames                  types.List   `tfsdk:"key_names"`
	Description               types.String `tfsdk:"description"`
	FaultDomain               types.String `tfsdk:"fault_domain"`
	PrimaryNetworkInterfaceID types.String `tfsdk:"primary_network_interface_id"`
	Status                    types.String `tfsdk:"status"`
	VpcID                     types.String `tfsdk:"vpc_id"`
}

// instanceModel is jdcloudha_instance's state.
type instanceModel struct {
	instanceFields
	Password               types.String   `tfsdk:"password"`
	UserData               types.String   `tfsdk:"user_data"`
	ShutdownBeforeDeletion types.Bool     `tfsdk:"shutdown_before_deletion"`
	Timeouts               timeouts.Value `tfsdk:"timeouts"`
}

// spec turns the plan into CreateInstances' instanceSpec.
func (m *instanceModel) spec(ctx context.Context) (*vmmodels.InstanceSpec, diag.Diagnostics) {
	var diags diag.Diagnostics
	ni := &vmmodels.NetworkInterfaceSpec{SubnetId: m.SubnetID.ValueString()}
	if ip := m.PrivateIP.ValueString(); ip != "" {
		ni.PrimaryIpAddress = &ip
	}
	if !m.SecurityGroupIDs.IsNull() && !m.SecurityGroupIDs.IsUnknown() {
		diags.Append(m.SecurityGroupIDs.ElementsAs(ctx, &ni.SecurityGroups, false)...)
	}
	s := &vmmodels.InstanceSpec{
		AgId:                    strPtr(m.AvailabilityGroupID.ValueString()),
		Az:                      strPtr(m.AZ.ValueString()),
		InstanceType:            strPtr(m.InstanceType.ValueString()),
		ImageId:                 strPtr(m.ImageID.ValueString()),
		Name:                    m.Name.ValueString(),
		Password:                strPtr(m.Password.ValueString()),
		PrimaryNetworkInterface: &vmmodels.InstanceNetworkInterfaceAttachmentSpec{NetworkInterface: ni},
		Description:             strPtr(m.Description.ValueString()),
	}
	if !m.KeyNames.IsNull() && !m.KeyNames.IsUnknown() {
		diags.Append(m.KeyNames.ElementsAs(ctx, &s.KeyNames, false)...)
	}
	if ud := m.UserData.ValueString(); ud != "" {
		key := "launch-script"
		value := base64.StdEncoding.EncodeToString([]byte(ud))
		s.Userdata = []vmmodels.Userdata{{Key: &key, Value: &value}}
	}
	return s, diags
}

// fill copies what the API reports.
func (m *instanceFields) fill(ctx context.Context, inst vmmodels.Instance) diag.Diagnostics {
	var diags diag.Diagnostics
	ni := inst.PrimaryNetworkInterface.NetworkInterface
	m.ID = types.StringValue(inst.InstanceId)
	m.Name = types.StringValue(inst.InstanceName)
	m.AvailabilityGroupID = types.StringValue(inst.Ag.Id)
	m.AZ = types.StringValue(inst.Az)
	m.InstanceType = types.StringValue(inst.InstanceType)
	m.ImageID = types.StringValue(inst.ImageId)
	m.SubnetID = types.StringValue(first(inst.SubnetId, ni.SubnetId))
	m.PrivateIP = types.StringValue(first(inst.PrivateIpAddress, ni.PrimaryIp.PrivateIpAddress))
	m.VpcID = types.StringValue(first(inst.VpcId, ni.VpcId))
	m.Description = types.StringValue(inst.Description)
	m.FaultDomain = types.StringValue(inst.FaultDomain)
	m.PrimaryNetworkInterfaceID = types.StringValue(ni.NetworkInterfaceId)
	m.Status = types.StringValue(inst.Status)

	groups := make([]string, 0, len(ni.SecurityGroups))
	for _, g := range ni.SecurityGroups {
		groups = append(groups, g.GroupId)
	}
	var d diag.Diagnostics
	m.SecurityGroupIDs, d = types.SetValueFrom(ctx, types.StringType, groups)
	diags.Append(d...)

	// No key pair reads as null, which is what a password-only config holds.
	if len(inst.KeyNames) == 0 {
		m.KeyNames = types.ListNull(types.StringType)
	} else {
		m.KeyNames, d = types.ListValueFrom(ctx, types.StringType, inst.KeyNames)
		diags.Append(d...)
	}
	return diags
}

// fill copies what the API reports. password and user_data cannot be read
// back, so they keep whatever the model already holds.
func (m *instanceModel) fill(ctx context.Context, inst vmmodels.Instance) diag.Diagnostics {
	diags := m.instanceFields.fill(ctx, inst)
	if m.Password.IsUnknown() {
		m.Password = types.StringNull()
	}
	if m.UserData.IsUnknown() {
		m.UserData = types.StringNull()
	}
	// A setting of this provider, not of the API: an import starts with the default.
	if m.ShutdownBeforeDeletion.IsNull() || m.ShutdownBeforeDeletion.IsUnknown() {
		m.ShutdownBeforeDeletion = types.BoolValue(true)
	}
	return diags
}

// instanceData is the jdcloudha_instance data source's state.
type instanceData struct {
	instanceFields
	ElasticIPID      types.String `tfsdk:"elastic_ip_id"`
	ElasticIPAddress types.String `tfsdk:"elastic_ip_address"`
}

func (d *instanceData) fill(ctx context.Context, inst vmmodels.Instance) diag.Diagnostics {
	diags := d.instanceFields.fill(ctx, inst)
	d.ElasticIPID = types.StringValue(inst.ElasticIpId)
	d.ElasticIPAddress = types.StringValue(inst.ElasticIpAddress)
	return diags
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
