// Package templates embeds Clout's html/template files: layouts/, partials/
// and pages/ (one per page, named like its handler).
package templates

import "embed"

// FS holds every template.
//
//go:embed layouts partials pages
var FS embed.FS
