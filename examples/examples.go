// Package examples holds the configurations tfplugindocs renders into docs/.
// It embeds the resources' examples so that the acceptance tests apply the
// very blocks the documentation shows (internal/acctest builds the article's
// topology from them) instead of keeping copies that could drift apart.
package examples

import "embed"

// Resources holds resources/<type>/*.tf.
//
//go:embed resources/*/*.tf
var Resources embed.FS
