// Package assets embeds Clout's static files (CSS, images, vendored front-end
// libraries, each at a pinned version noted beside it).
package assets

import "embed"

// Static holds web/static.
//
//go:embed static
var Static embed.FS
