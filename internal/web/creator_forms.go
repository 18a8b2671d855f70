package web

import (
	"strconv"
	"strings"

	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// handleField is one platform's row in a creator form.
type handleField struct {
	Platform creator.Platform
	Handle   string
	Audience string
	Error    string
}

// handleFields are the rows of a form, filled from a creator's handles.
func handleFields(hs []creator.Handle) []handleField {
	byPlatform := map[creator.Platform]creator.Handle{}
	for _, h := range hs {
		byPlatform[h.Platform] = h
	}
	out := make([]handleField, len(creator.Platforms))
	for i, p := range creator.Platforms {
		out[i] = handleField{Platform: p}
		if h, ok := byPlatform[p]; ok {
			out[i].Handle, out[i].Audience = h.Handle, strconv.FormatInt(h.AudienceSize, 10)
		}
	}
	return out
}

// parseHandles reads handle_<platform> and audience_<platform> form fields.
func parseHandles(c echo.Context) ([]handleField, map[creator.Platform]creator.HandleInput, validate.Errors) {
	var errs validate.Errors
	fields := make([]handleField, len(creator.Platforms))
	in := map[creator.Platform]creator.HandleInput{}
	for i, p := range creator.Platforms {
		f := handleField{Platform: p, Handle: strings.TrimSpace(c.FormValue("handle_" + string(p))),
			Audience: strings.TrimSpace(strings.ReplaceAll(c.FormValue("audience_"+string(p)), ",", ""))}
		var n int64
		if f.Audience != "" {
			v, err := strconv.ParseInt(f.Audience, 10, 64)
			if err != nil || v < 0 {
				errs.Add("handles."+string(p), "audience size must be a whole number, such as 12000")
			}
			n = v
		}
		in[p] = creator.HandleInput{Handle: f.Handle, Audience: n}
		fields[i] = f
	}
	return fields, in, errs
}

// withHandleErrors puts handles.<platform> errors beside their rows.
func withHandleErrors(fields []handleField, errs validate.Errors) []handleField {
	m := errs.Map()
	for i := range fields {
		fields[i].Error = m["handles."+string(fields[i].Platform)]
	}
	return fields
}

func checked(c echo.Context, name string) bool {
	v := c.FormValue(name)
	return v == "1" || v == "on" || v == "yes" || v == "true"
}
