package emulator

import (
	"slices"
	"strings"
)

// ---- catalog ----

// describeImages follows DescribeImages' documented parameters: imageSource
// is required unless ids are given (and with ids the others are ignored),
// imageName is a substring match, platform and architecture exact, and
// offline images are listed only with offline=true.
func (e *Emulator) describeImages(c *call) (any, *apiError) {
	ids := c.listParam("ids")
	q := c.query.Get
	src := q("imageSource")
	return list[CatalogImage]{key: "images", total: "totalCount", minSize: 10,
		check: func() *apiError {
			if len(ids) == 0 {
				if src == "" {
					return invalidArg("imageSource is required when ids is not given: public, thirdparty, private, shared or community")
				}
				if !matchAny(src, []string{"public", "thirdparty", "private", "shared", "community"}) {
					return invalidArg("Invalid imageSource %q: public, thirdparty, private, shared or community", src)
				}
			}
			if a := q("architecture"); a != "" && a != "x86_64" && a != "arm64" {
				return invalidArg("Invalid architecture %q: x86_64 or arm64", a)
			}
			return nil
		},
		keep: func(img CatalogImage, _ []filter) bool {
			if len(ids) > 0 {
				return matchAny(img.ImageId, ids)
			}
			return src == "public" && // the catalog holds official images only
				(q("platform") == "" || img.Platform == q("platform")) &&
				(q("imageName") == "" || strings.Contains(img.Name, q("imageName"))) &&
				(q("architecture") == "" || img.Architecture == q("architecture")) &&
				(q("status") == "" || q("status") == "ready") &&
				img.Offline == (q("offline") == "true")
		},
		out: imageOut,
	}.answer(c, Images)
}

func (e *Emulator) describeImage(c *call) (any, *apiError) {
	img := findImage(c.params["imageId"])
	if img == nil {
		return nil, notFound("Image %s not found", c.params["imageId"])
	}
	return map[string]any{"image": imageOut(*img)}, nil
}

func (e *Emulator) describeInstanceTypes(c *call) (any, *apiError) {
	out, aerr := list[CatalogInstanceType]{
		filters: []listFilter[CatalogInstanceType]{
			exact("instanceTypes", func(t CatalogInstanceType) string { return t.InstanceType }),
			{"az", func(_ CatalogInstanceType, vs []string) bool {
				return slices.ContainsFunc(vs, func(v string) bool { return validZone(c.region, v) })
			}},
			served[CatalogInstanceType]("architecture", "x86_64"),
		},
		out: func(t CatalogInstanceType) map[string]any { return instanceTypeOut(c.region, t) },
	}.selection(c, InstanceTypes)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"instanceTypes": out, "specificInstanceTypes": []any{}, "totalCount": len(out)}, nil
}
