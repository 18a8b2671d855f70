package link

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// Service manages links and keeps the resolver current.
type Service struct {
	db       *store.DB
	brands   *brand.Service
	resolver *Resolver
	log      *slog.Logger
	now      func() time.Time
}

// NewService wires the link service.
func NewService(db *store.DB, brands *brand.Service, resolver *Resolver, log *slog.Logger) *Service {
	return &Service{db: db, brands: brands, resolver: resolver, log: log, now: store.Now}
}

// Input creates a link. Empty Slug means a random one; nil UTM fields fall
// back to the brand's defaults.
type Input struct {
	Destination string
	Slug        string
	Label       string
	UTMSource   *string
	UTMMedium   *string
	UTMCampaign *string
	UTMContent  *string
	// Platform is optional: one of creator.Platforms, or '' for not said.
	Platform string
}

// checkPlatform validates an optional platform.
func checkPlatform(errs *validate.Errors, p string) string {
	p = strings.ToLower(strings.TrimSpace(p))
	if p != "" && !creator.Platform(p).Valid() {
		names := make([]string, len(creator.Platforms))
		for i, q := range creator.Platforms {
			names[i] = string(q)
		}
		errs.Add("platform", "use one of %s, or leave it empty", strings.Join(names, ", "))
	}
	return p
}

// MaxLabel is the longest link label.
const MaxLabel = 200

func checkUTM(errs *validate.Errors, field string, v *string) *string {
	if v == nil {
		return nil
	}
	s := strings.TrimSpace(*v)
	if utf8.RuneCountInString(s) > 100 {
		errs.Add(field, "at most 100 characters")
	}
	return &s
}

// Create makes a link for one of the brand's creators.
func (s *Service) Create(ctx context.Context, brandID, creatorID string, in Input) (*Link, error) {
	b, err := s.brands.Get(ctx, brandID)
	if err != nil {
		return nil, err
	}
	var cr struct{ ID string }
	if err := s.db.WithContext(ctx).Table("creators").Select("id").Where("brand_id = ? AND id = ?", brandID, creatorID).Take(&cr).Error; err != nil {
		return nil, store.Err(err)
	}
	var errs validate.Errors
	dest, derr := CheckDestination(strings.TrimSpace(in.Destination), b.AllowedDomains)
	if derr != nil {
		errs.Add("destination", "%s", strings.TrimPrefix(derr.Error(), ErrBadDestination.Error()+": "))
	}
	l := &Link{ID: store.NewID("lnk"), BrandID: brandID, CreatorID: creatorID, Destination: dest, Status: Active,
		Label: strings.TrimSpace(in.Label)}
	if utf8.RuneCountInString(l.Label) > MaxLabel {
		errs.Add("label", "at most %d characters", MaxLabel)
	}
	l.UTMSource, l.UTMMedium = checkUTM(&errs, "utm_source", in.UTMSource), checkUTM(&errs, "utm_medium", in.UTMMedium)
	l.UTMCampaign, l.UTMContent = checkUTM(&errs, "utm_campaign", in.UTMCampaign), checkUTM(&errs, "utm_content", in.UTMContent)
	l.Platform = checkPlatform(&errs, in.Platform)
	vanity := strings.TrimSpace(in.Slug) != ""
	if vanity {
		slug, key, err := CheckSlug(strings.TrimSpace(in.Slug))
		if err != nil {
			errs.Add("slug", "%s", strings.TrimPrefix(err.Error(), ErrBadSlug.Error()+": "))
		}
		l.Slug, l.SlugKey = slug, key
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	l.CreatedAt, l.UpdatedAt = now, now
	for attempt := 0; ; attempt++ {
		if !vanity {
			l.Slug = RandomSlug()
			l.SlugKey = strings.ToLower(l.Slug)
		}
		err := s.db.WithContext(ctx).Create(l).Error
		if err == nil {
			break
		}
		if !store.IsUniqueViolation(err) {
			return nil, err
		}
		if vanity || attempt >= 5 {
			return nil, fmt.Errorf("%w: %q", ErrSlugTaken, l.Slug)
		}
	}
	s.resolver.Changed(ctx, l.SlugKey)
	return l, nil
}

// Patch edits a link; nil fields stay.
type Patch struct {
	Destination *string
	Label       *string
	Status      *Status
	Platform    *string // one of creator.Platforms, or "" for not said
}

// Update edits one of the brand's links. The slug never changes, so a short
// URL never comes to mean another page of another creator.
func (s *Service) Update(ctx context.Context, brandID, id string, p Patch) (*Link, error) {
	b, err := s.brands.Get(ctx, brandID)
	if err != nil {
		return nil, err
	}
	var l Link
	err = s.db.WithTx(ctx, func(tx *gorm.DB) error {
		if err := s.db.ForUpdate(tx).Where("brand_id = ? AND id = ?", brandID, id).Take(&l).Error; err != nil {
			return store.Err(err)
		}
		if l.Status == Archived {
			return ErrArchived
		}
		var errs validate.Errors
		if p.Destination != nil {
			dest, err := CheckDestination(strings.TrimSpace(*p.Destination), b.AllowedDomains)
			if err != nil {
				errs.Add("destination", "%s", strings.TrimPrefix(err.Error(), ErrBadDestination.Error()+": "))
			}
			l.Destination = dest
		}
		if p.Label != nil {
			l.Label = strings.TrimSpace(*p.Label)
			if utf8.RuneCountInString(l.Label) > MaxLabel {
				errs.Add("label", "at most %d characters", MaxLabel)
			}
		}
		if p.Platform != nil {
			l.Platform = checkPlatform(&errs, *p.Platform)
		}
		if p.Status != nil {
			if !p.Status.Valid() {
				errs.Add("status", "use active, paused or archived")
			}
			l.Status = *p.Status
		}
		if err := errs.Err(); err != nil {
			return err
		}
		l.UpdatedAt = s.now()
		return tx.Model(&Link{}).Where("id = ?", l.ID).Updates(map[string]any{"destination": l.Destination,
			"label": l.Label, "status": l.Status, "platform": l.Platform, "updated_at": l.UpdatedAt}).Error
	})
	if err != nil {
		return nil, err
	}
	s.resolver.Changed(ctx, l.SlugKey)
	return &l, nil
}

// Get returns one of the brand's links.
func (s *Service) Get(ctx context.Context, brandID, id string) (*Link, error) {
	var l Link
	if err := s.db.WithContext(ctx).Where("brand_id = ? AND id = ?", brandID, id).Take(&l).Error; err != nil {
		return nil, store.Err(err)
	}
	return &l, nil
}

// ForCreator lists a creator's links with their click counts, newest first.
func (s *Service) ForCreator(ctx context.Context, brandID, creatorID string) ([]WithStats, error) {
	var ls []Link
	if err := s.db.WithContext(ctx).Where("brand_id = ? AND creator_id = ?", brandID, creatorID).
		Order("created_at DESC, id DESC").Find(&ls).Error; err != nil {
		return nil, err
	}
	out := make([]WithStats, len(ls))
	if len(ls) == 0 {
		return out, nil
	}
	ids := make([]string, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
		out[i].Link = l
	}
	stats, err := s.stats(ctx, brandID, creatorID, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Stats = stats[out[i].ID]
	}
	return out, nil
}

// Stats returns one of the brand's links' click counts.
func (s *Service) Stats(ctx context.Context, brandID, id string) (*Stats, error) {
	l, err := s.Get(ctx, brandID, id)
	if err != nil {
		return nil, err
	}
	m, err := s.stats(ctx, brandID, l.CreatorID, []string{id})
	if err != nil {
		return nil, err
	}
	st := m[id]
	return &st, nil
}

// stats are the links' click counts of all time, from the daily link
// rollup (internal/report), which the click writer keeps in each batch's
// own transaction: a few rows per link and day, never the raw clicks.
func (s *Service) stats(ctx context.Context, brandID, creatorID string, ids []string) (map[string]Stats, error) {
	var rows []struct {
		LinkID string
		Human  int64
		Unique int64
		Bots   int64
	}
	err := s.db.WithContext(ctx).Table("report_link_daily").
		Select(`link_id, SUM(clicks) AS human, SUM(unique_clicks) AS "unique", SUM(bot_clicks) AS bots`).
		Where("brand_id = ? AND creator_id = ? AND link_id IN ?", brandID, creatorID, ids).Group("link_id").Scan(&rows).Error
	out := map[string]Stats{}
	for _, r := range rows {
		out[r.LinkID] = Stats{Clicks: r.Human, UniqueClicks: r.Unique, BotClicks: r.Bots}
	}
	return out, err
}

// DailyClicks counts a link's human clicks per UTC day over the last days.
type DailyClicks struct {
	Day    string
	Clicks int64
}

// Daily returns human clicks per UTC day over the last `days` days for each
// of a creator's links, oldest day first, with zero days filled in.
func (s *Service) Daily(ctx context.Context, brandID, creatorID string, days int) (map[string][]DailyClicks, []string, error) {
	now := s.now()
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(days - 1))
	dayExpr := "substr(clicked_at, 1, 10)"
	if s.db.Dialect == store.Postgres {
		dayExpr = "to_char(clicked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	var rows []struct {
		LinkID string
		Day    string
		N      int64
	}
	err := s.db.WithContext(ctx).Table("clicks").Select("link_id, "+dayExpr+" AS day, COUNT(*) AS n").
		Where("brand_id = ? AND creator_id = ? AND clicked_at >= ? AND NOT is_bot", brandID, creatorID, start).
		Group("link_id, " + dayExpr).Scan(&rows).Error
	if err != nil {
		return nil, nil, err
	}
	labels := make([]string, days)
	index := make(map[string]int, days)
	for i := range labels {
		labels[i] = start.AddDate(0, 0, i).Format("2006-01-02")
		index[labels[i]] = i
	}
	out := map[string][]DailyClicks{}
	for _, r := range rows {
		series, ok := out[r.LinkID]
		if !ok {
			series = make([]DailyClicks, days)
			for i := range series {
				series[i].Day = labels[i]
			}
			out[r.LinkID] = series
		}
		if i, ok := index[r.Day]; ok {
			series[i].Clicks = r.N
		}
	}
	return out, labels, nil
}

// CreatorsWithLinks returns the ids of the brand's creators who have a link.
func (s *Service) CreatorsWithLinks(ctx context.Context, brandID string) (map[string]bool, error) {
	return s.db.DistinctSet(ctx, &Link{}, "creator_id", brandID)
}
