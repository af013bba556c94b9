package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// State is every resource the emulator holds; it is what
// GET /__emulator/state returns and what --state persists.
type State struct {
	Vpcs              map[string]*Vpc               `json:"vpcs"`
	Subnets           map[string]*Subnet            `json:"subnets"`
	SecurityGroups    map[string]*SecurityGroup     `json:"networkSecurityGroups"`
	ElasticIps        map[string]*ElasticIp         `json:"elasticIps"`
	NetworkInterfaces map[string]*NetworkInterface  `json:"networkInterfaces"`
	Instances         map[string]*Instance          `json:"instances"`
	Ags               map[string]*AvailabilityGroup `json:"availabilityGroups"`
	SubUsers          map[string]*SubUser           `json:"subUsers"`
	Policies          map[string]*Policy            `json:"policies"`
	AccessKeys        map[string]*AccessKey         `json:"accessKeys"`
	DeletedSubUsers   map[string]*DeletedSubUser    `json:"deletedSubUsers,omitempty"` // soft-deleted, restorable (iam_subuser.go)
	ClientTokens      map[string]ClientTokenRecord  `json:"clientTokens"`
	UsedPublicIPs     map[string]string             `json:"usedPublicIps"` // address -> EIP id
}

// ClientTokenRecord remembers a CreateInstances clientToken.
type ClientTokenRecord struct {
	Region      string   `json:"regionId"`
	InstanceIds []string `json:"instanceIds"`
	BodyHash    string   `json:"bodyHash"`
}

// Vpc is a VPC.
type Vpc struct {
	Region        string `json:"regionId"`
	VpcId         string `json:"vpcId"`
	VpcName       string `json:"vpcName"`
	AddressPrefix string `json:"addressPrefix"`
	Description   string `json:"description"`
	CreatedTime   string `json:"createdTime"`
}

// Subnet is a subnet of a VPC.
type Subnet struct {
	Region        string            `json:"regionId"`
	SubnetId      string            `json:"subnetId"`
	SubnetName    string            `json:"subnetName"`
	VpcId         string            `json:"vpcId"`
	AddressPrefix string            `json:"addressPrefix"`
	Description   string            `json:"description"`
	CreatedTime   string            `json:"createdTime"`
	UsedIPs       map[string]string `json:"usedIps"` // ip -> network interface id
}

// SecurityGroup is a network security group.
type SecurityGroup struct {
	Region                   string              `json:"regionId"`
	NetworkSecurityGroupId   string              `json:"networkSecurityGroupId"`
	NetworkSecurityGroupName string              `json:"networkSecurityGroupName"`
	Description              string              `json:"description"`
	VpcId                    string              `json:"vpcId"`
	Rules                    []SecurityGroupRule `json:"securityGroupRules"`
	CreatedTime              string              `json:"createdTime"`
}

// SecurityGroupRule is vpc.SecurityGroupRule.
type SecurityGroupRule struct {
	RuleId            string `json:"ruleId"`
	Direction         int    `json:"direction"`
	RuleAction        string `json:"ruleAction"`
	Priority          int    `json:"priority"`
	Protocol          int    `json:"protocol"`
	AddressPrefixType string `json:"addressPrefixType"`
	AddressPrefix     string `json:"addressPrefix"`
	IpVersion         int    `json:"ipVersion"`
	FromPort          int    `json:"fromPort"`
	ToPort            int    `json:"toPort"`
	CreatedTime       string `json:"createdTime"`
	Description       string `json:"description"`
	RuleType          string `json:"ruleType"`
}

// ElasticIp is an EIP.
type ElasticIp struct {
	Region             string `json:"regionId"`
	ElasticIpId        string `json:"elasticIpId"`
	ElasticIpName      string `json:"elasticIpName"`
	ElasticIpAddress   string `json:"elasticIpAddress"`
	BandwidthMbps      int    `json:"bandwidthMbps"`
	Provider           string `json:"provider"`
	Az                 string `json:"az"`
	NetworkInterfaceId string `json:"networkInterfaceId"`
	PrivateIpAddress   string `json:"privateIpAddress"`
	InstanceId         string `json:"instanceId"`
	InstanceType       string `json:"instanceType"`
	CreatedTime        string `json:"createdTime"`
	// Processing is the API's state PROCESSING: an association change is in
	// flight (eip-association=async); PendingNetworkInterfaceId is the
	// interface it goes to, "" when it is being released.
	Processing                bool   `json:"processing,omitempty"`
	PendingNetworkInterfaceId string `json:"pendingNetworkInterfaceId,omitempty"`
}

// NetworkInterface is an elastic network interface (primary ones are made with instances).
type NetworkInterface struct {
	Region                  string   `json:"regionId"`
	NetworkInterfaceId      string   `json:"networkInterfaceId"`
	NetworkInterfaceName    string   `json:"networkInterfaceName"`
	Az                      string   `json:"az"`
	MacAddress              string   `json:"macAddress"`
	VpcId                   string   `json:"vpcId"`
	SubnetId                string   `json:"subnetId"`
	NetworkSecurityGroupIds []string `json:"networkSecurityGroupIds"`
	PrimaryIp               string   `json:"primaryIp"`
	ElasticIpId             string   `json:"elasticIpId"`
	InstanceId              string   `json:"instanceId"`
	DeviceIndex             int      `json:"deviceIndex"`
	CreatedTime             string   `json:"createdTime"`
}

// Instance is a VM.
type Instance struct {
	Region             string            `json:"regionId"`
	InstanceId         string            `json:"instanceId"`
	InstanceName       string            `json:"instanceName"`
	Hostname           string            `json:"hostname"`
	InstanceType       string            `json:"instanceType"`
	ImageId            string            `json:"imageId"`
	Az                 string            `json:"az"`
	VpcId              string            `json:"vpcId"`
	SubnetId           string            `json:"subnetId"`
	NetworkInterfaceId string            `json:"networkInterfaceId"`
	Status             string            `json:"status"`
	Description        string            `json:"description"`
	AgId               string            `json:"agId"`
	FaultDomain        string            `json:"faultDomain"`
	KeyNames           []string          `json:"keyNames"`
	Userdata           map[string]string `json:"userdata,omitempty"`
	LaunchTime         string            `json:"launchTime"`
	Task               string            `json:"task,omitempty"` // transition in progress
}

// AvailabilityGroup is an ag.
type AvailabilityGroup struct {
	Region             string   `json:"regionId"`
	Id                 string   `json:"id"`
	Name               string   `json:"name"`
	Description        string   `json:"description"`
	InstanceTemplateId string   `json:"instanceTemplateId"`
	Azs                []string `json:"azs"`
	AgType             string   `json:"agType"`
	ConfigurationType  string   `json:"configurationType"`
	PlacementType      string   `json:"placementType"`
	CreateTime         string   `json:"createTime"`
}

// SubUser is an IAM sub-user.
type SubUser struct {
	Name        string   `json:"name"`
	Pin         string   `json:"pin"`
	Description string   `json:"description"`
	Email       string   `json:"email"`
	Phone       string   `json:"phone"`
	NickName    string   `json:"nickName"`
	Policies    []string `json:"policies"`
	CreateTime  string   `json:"createTime"`
	UpdateTime  string   `json:"updateTime"`
}

// Policy is an IAM custom policy.
type Policy struct {
	PolicyId    string `json:"policyId"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Content     string `json:"content"`
	Version     int    `json:"version"`
	CreateTime  string `json:"createTime"`
	UpdateTime  string `json:"updateTime"`
}

// AccessKey is a sub-user access key; Status 1 = enabled, 0 = disabled.
type AccessKey struct {
	SubUser         string `json:"subUser"`
	AccessKey       string `json:"accessKey"`
	SecretAccessKey string `json:"secretAccessKey"`
	Status          int    `json:"status"`
	CreateTime      string `json:"createTime"`
}

func newState() *State {
	return &State{
		Vpcs:              map[string]*Vpc{},
		Subnets:           map[string]*Subnet{},
		SecurityGroups:    map[string]*SecurityGroup{},
		ElasticIps:        map[string]*ElasticIp{},
		NetworkInterfaces: map[string]*NetworkInterface{},
		Instances:         map[string]*Instance{},
		Ags:               map[string]*AvailabilityGroup{},
		SubUsers:          map[string]*SubUser{},
		Policies:          map[string]*Policy{},
		AccessKeys:        map[string]*AccessKey{},
		ClientTokens:      map[string]ClientTokenRecord{},
		UsedPublicIPs:     map[string]string{},
	}
}

// fillNil makes a loaded state usable when the file lacks some maps.
func (s *State) fillNil() {
	n := newState()
	if s.Vpcs == nil {
		s.Vpcs = n.Vpcs
	}
	if s.Subnets == nil {
		s.Subnets = n.Subnets
	}
	if s.SecurityGroups == nil {
		s.SecurityGroups = n.SecurityGroups
	}
	if s.ElasticIps == nil {
		s.ElasticIps = n.ElasticIps
	}
	if s.NetworkInterfaces == nil {
		s.NetworkInterfaces = n.NetworkInterfaces
	}
	if s.Instances == nil {
		s.Instances = n.Instances
	}
	if s.Ags == nil {
		s.Ags = n.Ags
	}
	if s.SubUsers == nil {
		s.SubUsers = n.SubUsers
	}
	if s.Policies == nil {
		s.Policies = n.Policies
	}
	if s.AccessKeys == nil {
		s.AccessKeys = n.AccessKeys
	}
	if s.ClientTokens == nil {
		s.ClientTokens = n.ClientTokens
	}
	if s.UsedPublicIPs == nil {
		s.UsedPublicIPs = n.UsedPublicIPs
	}
	for _, sn := range s.Subnets {
		if sn.UsedIPs == nil {
			sn.UsedIPs = map[string]string{}
		}
	}
}

func (s *State) idTaken(id string) bool {
	_, a := s.Vpcs[id]
	_, b := s.Subnets[id]
	_, c := s.SecurityGroups[id]
	_, d := s.ElasticIps[id]
	_, f := s.NetworkInterfaces[id]
	_, g := s.Instances[id]
	_, h := s.Ags[id]
	_, i := s.Policies[id]
	return a || b || c || d || f || g || h || i
}

// clone deep-copies via JSON: simple and the state is small.
func (s *State) clone() State {
	b, err := json.Marshal(s)
	if err != nil {
		return State{}
	}
	var out State
	if err := json.Unmarshal(b, &out); err != nil {
		return State{}
	}
	out.fillNil()
	return out
}

func (e *Emulator) load() error {
	b, err := os.ReadFile(e.opts.StateFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read state file: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("state file %s is not valid emulator state: %w", e.opts.StateFile, err)
	}
	st.fillNil()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st = &st
	e.resumeTransitions()
	e.finishPendingEIPs()
	return nil
}

// persistLocked writes the state if it changed and a file is configured.
// Callers hold e.mu.
func (e *Emulator) persistLocked() {
	if e.opts.StateFile == "" || !e.dirty {
		return
	}
	if err := e.saveLocked(); err == nil {
		e.dirty = false
	}
}

// saveLocked writes the state atomically: temp file in the same directory, then rename.
func (e *Emulator) saveLocked() error {
	b, err := json.MarshalIndent(e.st, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(e.opts.StateFile)
	tmp, err := os.CreateTemp(dir, ".emulator-state-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), e.opts.StateFile); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// countWhere counts m's values that keep accepts.
func countWhere[V any](m map[string]V, keep func(V) bool) int {
	n := 0
	for _, v := range m {
		if keep(v) {
			n++
		}
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	keys := slices.Sorted(maps.Keys(m))
	return keys
}
