package link

import (
	"errors"
	"time"

	"github.com/cloutapp/clout/internal/store"
)

// Status of a link. Only active links redirect.
type Status string

const (
	Active   Status = "active"
	Paused   Status = "paused"
	Archived Status = "archived"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == Active || s == Paused || s == Archived }

var (
	ErrNotFound = store.ErrNotFound
	// ErrSlugTaken: another link has this slug (in any letter case).
	ErrSlugTaken = errors.New("this slug is taken")
	// ErrArchived: archived links keep their slug forever and cannot change.
	ErrArchived = errors.New("this link is archived and cannot change")
)

// Link is a creator's tracked short link.
type Link struct {
	ID          string `gorm:"primaryKey"`
	BrandID     string
	CreatorID   string
	Slug        string
	SlugKey     string
	Destination string
	Label       string
	UTMSource   *string `gorm:"column:utm_source"`
	UTMMedium   *string `gorm:"column:utm_medium"`
	UTMCampaign *string `gorm:"column:utm_campaign"`
	UTMContent  *string `gorm:"column:utm_content"`
	Status      Status
	// Platform is where the creator posts the link: one of
	// creator.Platforms, or '' when not said (reports then use the
	// creator's main platform).
	Platform  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Stats are a link's click counts: human clicks, unique human clicks, and
// every non-human request (bots, HEAD, link previews).
type Stats struct {
	Clicks       int64 `json:"clicks"`
	UniqueClicks int64 `json:"unique_clicks"`
	BotClicks    int64 `json:"bot_clicks"`
}

// WithStats is a link and its counts, for lists.
type WithStats struct {
	Link
	Stats
}
