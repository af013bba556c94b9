package emulator

import (
	"strings"
	"unicode/utf8"
)

func init() {
	const r = "/regions/{regionId}"
	const one = r + "/availabilityGroups/{agId}"
	register("ag", "CreateAg", "POST", r+"/availabilityGroups", (*Emulator).createAg)
	register("ag", "DescribeAg", "GET", one, (*Emulator).describeAg).resources = resAg
	register("ag", "DescribeAgs", "GET", r+"/availabilityGroups", (*Emulator).describeAgs)
	register("ag", "UpdateAg", "PATCH", one, (*Emulator).updateAg).resources = resAg
	register("ag", "DeleteAg", "DELETE", one, (*Emulator).deleteAg).resources = resAg
}

func resAg(e *Emulator, c *call) []string {
	return []string{jrn("ag", c.region, "availabilityGroups", c.params["agId"])}
}

// validAgName: at most 32 characters: letters, digits, Chinese, '_' and '-'.
func validAgName(field, v string) *apiError {
	if v == "" {
		return invalidArg("%s is required", field)
	}
	if utf8.RuneCountInString(v) > 32 {
		return invalidArg("Invalid %s %q: at most 32 characters", field, v)
	}
	for _, r := range v {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x4e00 && r <= 0x9fff) {
			return invalidArg("Invalid %s %q: only Chinese characters, letters, digits, '_' and '-' are allowed", field, v)
		}
	}
	return nil
}

func (e *Emulator) agMembers(id string) []*Instance {
	var out []*Instance
	for _, k := range sortedKeys(e.st.Instances) {
		if in := e.st.Instances[k]; in.AgId == id {
			out = append(out, in)
		}
	}
	return out
}

func (e *Emulator) agOut(g *AvailabilityGroup) map[string]any {
	members := e.agMembers(g.Id)
	quotas := []map[string]any{}
	for _, az := range g.Azs {
		used := 0
		for _, in := range members {
			if in.Az == az {
				used++
			}
		}
		quotas = append(quotas, map[string]any{"az": az, "limit": 100, "used": used})
	}
	return map[string]any{
		"id": g.Id, "name": g.Name, "description": g.Description, "instanceTemplateId": g.InstanceTemplateId,
		"azs": g.Azs, "agType": g.AgType, "createTime": g.CreateTime, "count": len(members), "autoScaling": false,
		"configurationType": g.ConfigurationType, "placementType": g.PlacementType, "instancesQuotas": quotas, "instances": []any{},
	}
}

func (e *Emulator) createAg(c *call) (any, *apiError) {
	var b struct {
		Azs                []string `json:"azs"`
		AgName             string   `json:"agName"`
		AgType             *string  `json:"agType"`
		InstanceTemplateId *string  `json:"instanceTemplateId"`
		Description        *string  `json:"description"`
		ConfigurationType  *string  `json:"configurationType"`
		PlacementType      *string  `json:"placementType"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if len(b.Azs) == 0 {
		return nil, invalidArg("azs is required: at least one availability zone")
	}
	seen := map[string]bool{}
	for _, az := range b.Azs {
		if !validZone(c.region, az) {
			return nil, invalidArg("Invalid azs: availability zone %q not found in region %s (have %s)", az, c.region, strings.Join(Zones(c.region), ", "))
		}
		if seen[az] {
			return nil, invalidArg("Invalid azs: %q given twice", az)
		}
		seen[az] = true
	}
	if aerr := validAgName("agName", b.AgName); aerr != nil {
		return nil, aerr
	}
	agType := strOr(b.AgType, "vm")
	if agType != "vm" {
		return nil, invalidArg("Invalid agType %q: only vm is supported", agType)
	}
	placement := strOr(b.PlacementType, "fd")
	if placement != "fd" && placement != "switch" && placement != "host" {
		return nil, invalidArg("Invalid placementType %q: fd, switch or host", placement)
	}
	conf := strOr(b.ConfigurationType, "strict")
	if conf != "strict" && conf != "loose" {
		return nil, invalidArg("Invalid configurationType %q: strict or loose", conf)
	}
	if b.Description != nil && utf8.RuneCountInString(*b.Description) > 256 {
		return nil, invalidArg("Invalid description: at most 256 characters")
	}
	template := strOr(b.InstanceTemplateId, "")
	if countWhere(e.st.Ags, func(g *AvailabilityGroup) bool { return g.Region == c.region }) >= e.quotas.AvailabilityGroups {
		return nil, quotaExceeded("Quota exceeded: at most %d availability groups per region", e.quotas.AvailabilityGroups)
	}
	// strict (关联模板型) groups launch instances from their template; loose
	// (自定义配置型) ones need none since ag 0.6.0 (SDK ag/ChangeLog.md).
	if conf == "strict" && template == "" {
		return nil, invalidArg("instanceTemplateId is required for configurationType strict: instances of a strict availability group are created from its instance template (use configurationType loose to give each instance its own configuration)")
	}
	g := &AvailabilityGroup{Region: c.region, Id: e.newID("ag"), Name: b.AgName, Description: strOr(b.Description, ""),
		InstanceTemplateId: template, Azs: append([]string{}, b.Azs...), AgType: agType,
		ConfigurationType: conf, PlacementType: placement, CreateTime: e.timestamp()}
	e.st.Ags[g.Id] = g
	return map[string]any{"agId": g.Id}, nil
}

func (e *Emulator) getAg(c *call) (*AvailabilityGroup, *apiError) {
	g := e.st.Ags[c.params["agId"]]
	if g == nil || g.Region != c.region {
		return nil, notFound("Availability group %s not found", c.params["agId"])
	}
	return g, nil
}

func (e *Emulator) describeAg(c *call) (any, *apiError) {
	g, aerr := e.getAg(c)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"ag": e.agOut(g)}, nil
}

func (e *Emulator) describeAgs(c *call) (any, *apiError) {
	// The documented filters (SDK ag/apis/DescribeAgs.go); agName is fuzzy.
	return list[*AvailabilityGroup]{key: "ags", total: "totalCount", minSize: 10,
		region: func(g *AvailabilityGroup) string { return g.Region },
		filters: []listFilter[*AvailabilityGroup]{
			substring("agName", func(g *AvailabilityGroup) string { return g.Name }),
			exact("agId", func(g *AvailabilityGroup) string { return g.Id }),
			exact("instanceTemplateId", func(g *AvailabilityGroup) string { return g.InstanceTemplateId }),
			{"vpcId", e.agInVpc},
			exact("placementType", func(g *AvailabilityGroup) string { return g.PlacementType }),
		},
		out: e.agOut,
	}.answer(c, sortedValues(e.st.Ags))
}

func (e *Emulator) updateAg(c *call) (any, *apiError) {
	g, aerr := e.getAg(c)
	if aerr != nil {
		return nil, aerr
	}
	var b struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if b.Name != nil {
		if aerr := validAgName("name", *b.Name); aerr != nil {
			return nil, aerr
		}
	}
	if b.Description != nil && utf8.RuneCountInString(*b.Description) > 256 {
		return nil, invalidArg("Invalid description: at most 256 characters")
	}
	if b.Name != nil {
		g.Name = *b.Name
	}
	if b.Description != nil {
		g.Description = *b.Description
	}
	return nil, nil
}

func (e *Emulator) deleteAg(c *call) (any, *apiError) {
	g, aerr := e.getAg(c)
	if aerr != nil {
		return nil, aerr
	}
	if m := e.agMembers(g.Id); len(m) > 0 {
		return nil, precondition("Availability group %s still has %d instance(s), delete them first", g.Id, len(m))
	}
	delete(e.st.Ags, g.Id)
	return nil, nil
}

// agInVpc reports whether a group belongs to one of vpcs. A strict group's
// VPC is its template's; templates are not modelled and a loose group has
// none, so a group is in the VPCs of its members (an empty group in none).
func (e *Emulator) agInVpc(g *AvailabilityGroup, vpcs []string) bool {
	for _, in := range e.agMembers(g.Id) {
		if matchAny(in.VpcId, vpcs) {
			return true
		}
	}
	return false
}
