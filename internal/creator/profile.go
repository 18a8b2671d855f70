package creator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/cloutapp/clout/internal/validate"
)

// HandleInput is a handle and audience size on one platform.
type HandleInput struct {
	Handle   string `json:"handle"`
	Audience int64  `json:"audience_size"`
}

// Profile is a creator's details as a form or the API gives them. Nil
// fields are left as they are on updates.
type Profile struct {
	Name        *string
	Email       *string
	Handles     map[Platform]HandleInput // nil: unchanged; entries with an empty handle are removed
	Niche       *string
	Country     *string
	Pitch       *string
	Notes       *string
	Tags        *[]string
	PayoutEmail *string
}

// Limits on profile fields.
const (
	MaxName     = 120
	MaxNiche    = 80
	MaxPitch    = 2000
	MaxNotes    = 5000
	MaxTags     = 20
	MaxTag      = 40
	MaxHandle   = 100
	MaxAudience = 10_000_000_000
)

func checkLen(errs *validate.Errors, field, v string, max int, required bool) string {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		errs.Add(field, "is required")
	case utf8.RuneCountInString(v) > max:
		errs.Add(field, "at most %d characters", max)
	}
	return v
}

// apply validates p and writes it onto c (and returns the new handles and
// tags when they are given). It changes nothing when any field is invalid.
func (p Profile) apply(c *Creator) (handles []Handle, tags []string, errs validate.Errors) {
	next := *c
	if p.Name != nil {
		next.Name = checkLen(&errs, "name", *p.Name, MaxName, true)
	}
	if p.Email != nil {
		email, ok := validate.Email(*p.Email)
		if !ok {
			errs.Add("email", "enter a valid email address such as you@example.com")
		}
		next.Email = email
	}
	if p.Niche != nil {
		next.Niche = checkLen(&errs, "niche", *p.Niche, MaxNiche, false)
	}
	if p.Country != nil {
		cc := strings.ToUpper(strings.TrimSpace(*p.Country))
		if cc != "" && (len(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z') {
			errs.Add("country", "use a two-letter country code such as US, FR or JP")
		}
		next.Country = cc
	}
	if p.Pitch != nil {
		next.Pitch = checkLen(&errs, "pitch", *p.Pitch, MaxPitch, false)
	}
	if p.Notes != nil {
		next.Notes = checkLen(&errs, "notes", *p.Notes, MaxNotes, false)
	}
	if p.PayoutEmail != nil {
		pe := strings.TrimSpace(*p.PayoutEmail)
		if pe != "" {
			var ok bool
			if pe, ok = validate.Email(pe); !ok {
				errs.Add("payout_email", "enter a valid email address, or leave it empty")
			}
		}
		next.PayoutEmail = pe
	}
	if p.Handles != nil {
		handles = []Handle{}
		next.TotalAudience = 0
		platforms := make([]string, 0, len(p.Handles))
		for pl := range p.Handles {
			platforms = append(platforms, string(pl))
		}
		sort.Strings(platforms)
		for _, name := range platforms {
			pl, h := Platform(name), p.Handles[Platform(name)]
			field := "handles." + name
			if !pl.Valid() {
				errs.Add(field, "unknown platform %q (use one of %s)", name, platformList())
				continue
			}
			handle := strings.TrimSpace(h.Handle)
			if handle == "" {
				if h.Audience != 0 {
					errs.Add(field, "give the handle as well as the audience size")
				}
				continue
			}
			if utf8.RuneCountInString(handle) > MaxHandle || strings.ContainsAny(handle, " \t\r\n") {
				errs.Add(field, "a handle is one word of at most %d characters, such as @glowwithana", MaxHandle)
				continue
			}
			if h.Audience < 0 || h.Audience > MaxAudience {
				errs.Add(field, "audience size must be a whole number from 0 to %d", int64(MaxAudience))
				continue
			}
			handles = append(handles, Handle{CreatorID: c.ID, BrandID: c.BrandID, Platform: pl, Handle: handle, AudienceSize: h.Audience})
			next.TotalAudience += h.Audience
		}
	}
	if p.Tags != nil {
		tags = []string{}
		seen := map[string]bool{}
		for _, t := range *p.Tags {
			t = strings.ToLower(strings.TrimSpace(t))
			if t == "" || seen[t] {
				continue
			}
			if utf8.RuneCountInString(t) > MaxTag || strings.ContainsAny(t, ",\r\n") {
				errs.Add("tags", "a tag is at most %d characters, without commas", MaxTag)
				continue
			}
			seen[t] = true
			tags = append(tags, t)
		}
		sort.Strings(tags)
		if len(tags) > MaxTags {
			errs.Add("tags", "at most %d tags", MaxTags)
		}
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	*c = next
	return handles, tags, nil
}

func platformList() string {
	s := make([]string, len(Platforms))
	for i, p := range Platforms {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}

// ParseTags splits "a, b,c" into tags.
func ParseTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' })
}

func str(s string) *string { return &s }

// statusLabel is a status for messages.
func statusLabel(s Status) string { return fmt.Sprintf("%q", string(s)) }

// UnmarshalJSON takes a handle as a plain string ("@ana") or as an object
// ({"handle": "@ana", "audience_size": 12000}).
func (h *HandleInput) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*h = HandleInput{Handle: s}
		return nil
	}
	type plain HandleInput
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return fmt.Errorf("a handle is a string such as \"@ana\" or an object {\"handle\", \"audience_size\"}: %w", err)
	}
	*h = HandleInput(p)
	return nil
}
