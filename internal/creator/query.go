package creator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// Get returns one of the brand's creators with handles and tags; another
// brand's creator is ErrNotFound.
func (s *Service) Get(ctx context.Context, brandID, id string) (*Creator, error) {
	var c Creator
	if err := s.db.WithContext(ctx).Where("brand_id = ? AND id = ?", brandID, id).Take(&c).Error; err != nil {
		return nil, store.Err(err)
	}
	cs := []Creator{c}
	if err := s.loadDetails(ctx, cs); err != nil {
		return nil, err
	}
	return &cs[0], nil
}

// loadDetails fills handles and tags for a page of creators in two queries.
func (s *Service) loadDetails(ctx context.Context, cs []Creator) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]string, len(cs))
	at := make(map[string]int, len(cs))
	for i, c := range cs {
		ids[i], at[c.ID] = c.ID, i
		cs[i].Handles, cs[i].Tags = []Handle{}, []string{}
	}
	var hs []Handle
	if err := s.db.WithContext(ctx).Where("creator_id IN ?", ids).Order("creator_id, platform").Find(&hs).Error; err != nil {
		return err
	}
	for _, h := range hs {
		cs[at[h.CreatorID]].Handles = append(cs[at[h.CreatorID]].Handles, h)
	}
	var ts []tagRow
	if err := s.db.WithContext(ctx).Where("creator_id IN ?", ids).Order("creator_id, tag").Find(&ts).Error; err != nil {
		return err
	}
	for _, t := range ts {
		cs[at[t.CreatorID]].Tags = append(cs[at[t.CreatorID]].Tags, t.Tag)
	}
	return nil
}

// Update changes a creator's profile, notes and tags on the brand side, and
// the status when status is set (enforcing the lifecycle).
func (s *Service) Update(ctx context.Context, actor brand.Actor, brandID, id string, p Profile, status *Status, reason string) (*Creator, error) {
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		var c Creator
		if err := s.db.ForUpdate(tx).Where("brand_id = ? AND id = ?", brandID, id).Take(&c).Error; err != nil {
			return store.Err(err)
		}
		if status != nil {
			if err := checkStatusChange(*status, reason); err != nil {
				return err
			}
			if *status != c.Status && !c.Status.CanBecome(*status) {
				return errIllegal(c.Status, *status)
			}
		}
		oldEmail := c.Email
		handles, tags, errs := p.apply(&c)
		if err := errs.Err(); err != nil {
			return err
		}
		if c.Email != oldEmail {
			return validate.Errors{{Field: "email", Message: "a creator's email cannot change; it is how they log in"}}
		}
		c.UpdatedAt = s.now()
		if err := tx.Model(&Creator{}).Where("id = ?", c.ID).Updates(map[string]any{"name": c.Name, "niche": c.Niche,
			"country": c.Country, "pitch": c.Pitch, "notes": c.Notes, "payout_email": c.PayoutEmail,
			"total_audience": c.TotalAudience, "updated_at": c.UpdatedAt}).Error; err != nil {
			return err
		}
		if err := s.saveHandlesAndTags(tx, &c, handles, tags); err != nil {
			return err
		}
		if status != nil && *status != c.Status {
			return s.decide(ctx, tx, &c, *status, actor, reason)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, brandID, id)
}

func errIllegal(from, to Status) error {
	return &IllegalTransitionError{From: from, To: to}
}

// IllegalTransitionError names the refused change.
type IllegalTransitionError struct{ From, To Status }

func (e *IllegalTransitionError) Error() string {
	next := make([]string, 0, len(e.From.Next()))
	for _, n := range e.From.Next() {
		next = append(next, string(n))
	}
	allowed := "none: it is final"
	if len(next) > 0 {
		allowed = strings.Join(next, ", ")
	}
	return "a creator who is " + string(e.From) + " cannot become " + string(e.To) + " (allowed: " + allowed + ")"
}

// Unwrap makes errors.Is(err, ErrIllegalTransition) true.
func (e *IllegalTransitionError) Unwrap() error { return ErrIllegalTransition }

// Events lists a creator's status history, oldest first.
func (s *Service) Events(ctx context.Context, brandID, id string) ([]Event, error) {
	var es []Event
	err := s.db.WithContext(ctx).Where("brand_id = ? AND creator_id = ?", brandID, id).Order("created_at, id").Find(&es).Error
	return es, err
}

// Sort orders of the creators list.
const (
	SortNewest   = "newest"
	SortOldest   = "oldest"
	SortName     = "name"
	SortAudience = "audience"
)

// Sorts lists the sort orders.
var Sorts = []string{SortNewest, SortOldest, SortName, SortAudience}

// ListQuery filters, sorts and pages the creators list.
type ListQuery struct {
	Search   string
	Status   Status
	Platform Platform
	Tag      string
	Sort     string
	Cursor   string
	Limit    int
	// NoTotal skips counting the matches (Page.Total is then -1): the count
	// reads every match, which later pages of a walk do not need.
	NoTotal bool
}

// Page is one page of creators.
type Page struct {
	Creators []Creator
	// Next is the cursor of the following page; empty on the last page.
	Next string
	// Total counts every creator matching the filters; -1 when not counted.
	Total int64
}

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

type cursor struct {
	V  string `json:"v"`
	ID string `json:"id"`
}

// List returns a page of the brand's creators. Paging is by keyset (the
// sort key and the id of the last row, compared as a row value), so every
// page is one indexed range scan however deep it is; handles and tags come in
// two more queries, and the total in one count unless NoTotal.
func (s *Service) List(ctx context.Context, brandID string, q ListQuery) (*Page, error) {
	var errs validate.Errors
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		errs.Add("limit", "must be from 1 to %d", MaxLimit)
	}
	if q.Sort == "" {
		q.Sort = SortNewest
	}
	if q.Status != "" && !q.Status.Valid() {
		errs.Add("status", "unknown status %s", statusLabel(q.Status))
	}
	if q.Platform != "" && !q.Platform.Valid() {
		errs.Add("platform", "unknown platform %q (use one of %s)", q.Platform, platformList())
	}
	var col, dir string
	switch q.Sort {
	case SortNewest:
		col, dir = "created_at", "DESC"
	case SortOldest:
		col, dir = "created_at", "ASC"
	case SortName:
		col, dir = "name", "ASC"
	case SortAudience:
		col, dir = "total_audience", "DESC"
	default:
		errs.Add("sort", "sort by %s", strings.Join(Sorts, ", "))
	}
	var after *cursor
	if q.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		after = &cursor{}
		if err != nil || json.Unmarshal(raw, after) != nil || after.ID == "" {
			errs.Add("cursor", "is not a cursor from this list; start again from the first page")
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}

	base := s.db.WithContext(ctx).Model(&Creator{}).Where("brand_id = ?", brandID)
	if q.Status != "" {
		base = base.Where("status = ?", q.Status)
	}
	if term := strings.ToLower(strings.TrimSpace(q.Search)); term != "" {
		like := "%" + escapeLike(term) + "%"
		base = base.Where("(LOWER(name) LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\')", like, like)
	}
	if q.Platform != "" {
		base = base.Where("EXISTS (SELECT 1 FROM creator_handles h WHERE h.creator_id = creators.id AND h.platform = ?)", q.Platform)
	}
	if tag := strings.ToLower(strings.TrimSpace(q.Tag)); tag != "" {
		base = base.Where("EXISTS (SELECT 1 FROM creator_tags t WHERE t.creator_id = creators.id AND t.tag = ?)", tag)
	}
	page := &Page{Total: -1}
	if !q.NoTotal {
		if err := base.Session(&gorm.Session{}).Count(&page.Total).Error; err != nil {
			return nil, err
		}
	}
	list := base.Session(&gorm.Session{})
	if after != nil {
		op := "<"
		if dir == "ASC" {
			op = ">"
		}
		v, err := cursorValue(col, after.V)
		if err != nil {
			return nil, validate.Errors{{Field: "cursor", Message: "is not a cursor from this list; start again from the first page"}}
		}
		// A row-value comparison is an index bound on (brand_id, col, id) in
		// PostgreSQL and SQLite alike, so page 1,000 starts where page 999
		// ended instead of reading and dropping the rows before it.
		list = list.Where("("+col+", id) "+op+" (?, ?)", v, after.ID)
	}
	var cs []Creator
	if err := list.Order(col + " " + dir + ", id " + dir).Limit(q.Limit + 1).Find(&cs).Error; err != nil {
		return nil, err
	}
	if len(cs) > q.Limit {
		cs = cs[:q.Limit]
		last := cs[len(cs)-1]
		page.Next = encodeCursor(col, last)
	}
	if err := s.loadDetails(ctx, cs); err != nil {
		return nil, err
	}
	page.Creators = cs
	if page.Creators == nil {
		page.Creators = []Creator{}
	}
	return page, nil
}

func encodeCursor(col string, c Creator) string {
	var v string
	switch col {
	case "created_at":
		v = c.CreatedAt.UTC().Format(time.RFC3339Nano)
	case "name":
		v = c.Name
	case "total_audience":
		v = jsonInt(c.TotalAudience)
	}
	b, _ := json.Marshal(cursor{V: v, ID: c.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func cursorValue(col, v string) (any, error) {
	switch col {
	case "created_at":
		return time.Parse(time.RFC3339Nano, v)
	case "total_audience":
		var n int64
		err := json.Unmarshal([]byte(v), &n)
		return n, err
	}
	return v, nil
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

func escapeLike(s string) string {
	return strings.NewReplacer("\\", "\\\\", "%", "\\%", "_", "\\_").Replace(s)
}

// CountByStatus counts the brand's creators per status (the list's tabs).
func (s *Service) CountByStatus(ctx context.Context, brandID string) (map[Status]int64, error) {
	var rows []struct {
		Status Status
		N      int64
	}
	err := s.db.WithContext(ctx).Model(&Creator{}).Select("status, COUNT(*) AS n").Where("brand_id = ?", brandID).
		Group("status").Scan(&rows).Error
	out := map[Status]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, err
}
