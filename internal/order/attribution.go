package order

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"gorm.io/gorm"
)

// ClickSkew is how far a click's time may be after the order's (clocks of
// the store and of Clout differ a little) and still count.
const ClickSkew = 10 * time.Minute

// candidate is one creator the evidence points to.
type candidate struct {
	method    string
	creatorID string
	evidence  Evidence
	rule      string
}

// attribute sets o's creator and receipt from the brand's rules: a usable
// code of an active creator, or a click of this brand's link within the
// attribution window (code first unless the brand chose click first); else,
// with the customer lock on, the creator of the customer's first attributed
// order within the lock; else none. What was considered and refused is
// written into the receipt's reason.
func (s *Service) attribute(ctx context.Context, tx *gorm.DB, b *brand.Brand, o *Order) error {
	var notes []string
	// The rules in the brand's order; the first that finds a creator wins
	// and the later ones are not looked up.
	rules := []func(*gorm.DB, *brand.Brand, *Order, *[]string) (*candidate, error){s.byCode, s.byClick}
	priority := "code first"
	if b.AttributionPriority == brand.ClickFirst {
		rules[0], rules[1] = rules[1], rules[0]
		priority = "click first"
	}
	var won *candidate
	for _, rule := range rules {
		c, err := rule(tx, b, o, &notes)
		if err != nil {
			return err
		}
		if c != nil {
			won = c
			break
		}
	}
	var err error
	if won == nil {
		if won, err = s.byCustomer(tx, b, o, &notes); err != nil {
			return err
		}
	}
	if won == nil {
		o.CreatorID, o.AttributionMethod = nil, ByNone
		o.AttributionEvidence = Evidence{Reason: strings.Join(notes, "; ")}
		o.AttributionRule = "no usable code of an active creator, no click of this brand's links within the " +
			fmt.Sprintf("%d-day attribution window", b.AttributionWindowDays)
		if b.CustomerLockDays > 0 {
			o.AttributionRule += ", and no earlier attributed order of this customer within the customer lock"
		}
		return nil
	}
	id := won.creatorID
	o.CreatorID, o.AttributionMethod, o.AttributionEvidence = &id, won.method, won.evidence
	o.AttributionRule = won.rule
	if won.method == ByCode || won.method == ByClick {
		o.AttributionRule = priority + ": " + won.rule
	}
	if len(notes) > 0 {
		o.AttributionEvidence.Reason = strings.Join(notes, "; ")
	}
	return nil
}

func (s *Service) byCode(tx *gorm.DB, b *brand.Brand, o *Order, notes *[]string) (*candidate, error) {
	if len(o.Codes) == 0 {
		return nil, nil
	}
	keys := make([]string, len(o.Codes))
	for i, c := range o.Codes {
		keys[i] = strings.ToLower(c)
	}
	type row struct {
		Code      string
		CodeKey   string
		CreatorID string
		Active    bool
		ExpiresAt *time.Time
		Status    creator.Status
	}
	var rows []row
	err := tx.Table("codes").Select("codes.code, codes.code_key, codes.creator_id, codes.active, codes.expires_at, creators.status").
		Joins("JOIN creators ON creators.id = codes.creator_id").
		Where("codes.brand_id = ? AND codes.code_key IN ?", b.ID, keys).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	found := map[string]row{}
	for _, r := range rows {
		found[r.CodeKey] = r
	}
	// The codes in the order the store listed them: the first usable one wins.
	for i, key := range keys {
		r, ok := found[key]
		switch {
		case !ok:
			*notes = append(*notes, fmt.Sprintf("code %s is not one of this brand's creator codes", o.Codes[i]))
		case !r.Status.Attributable():
			*notes = append(*notes, fmt.Sprintf("code %s belongs to a %s creator", r.Code, r.Status))
		case !r.Active:
			*notes = append(*notes, fmt.Sprintf("code %s is deactivated", r.Code))
		case r.ExpiresAt != nil && !o.PlacedAt.Before(*r.ExpiresAt):
			*notes = append(*notes, fmt.Sprintf("code %s had expired when the order was placed", r.Code))
		default:
			return &candidate{method: ByCode, creatorID: r.CreatorID, evidence: Evidence{Code: r.Code},
				rule: fmt.Sprintf("the order used code %s, an active creator's code", r.Code)}, nil
		}
	}
	return nil, nil
}

func (s *Service) byClick(tx *gorm.DB, b *brand.Brand, o *Order, notes *[]string) (*candidate, error) {
	if o.ClickID == "" {
		return nil, nil
	}
	type row struct {
		ID        string
		ClickedAt time.Time
		CreatorID string
		LinkID    string
		Status    creator.Status
	}
	var rows []row
	err := tx.Table("clicks").Select("clicks.id, clicks.clicked_at, clicks.creator_id, clicks.link_id, creators.status").
		Joins("JOIN creators ON creators.id = clicks.creator_id").
		Where("clicks.id = ? AND clicks.brand_id = ?", o.ClickID, b.ID).Limit(1).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		*notes = append(*notes, fmt.Sprintf("click %s is not a click of this brand's links", o.ClickID))
		return nil, nil
	}
	r := rows[0]
	window := time.Duration(b.AttributionWindowDays) * 24 * time.Hour
	age := o.PlacedAt.Sub(r.ClickedAt)
	clickedAt := r.ClickedAt.UTC()
	switch {
	case !r.Status.Attributable():
		*notes = append(*notes, fmt.Sprintf("click %s was on a link of a %s creator", r.ID, r.Status))
	case age < -ClickSkew:
		*notes = append(*notes, fmt.Sprintf("click %s came after the order", r.ID))
	case age > window:
		*notes = append(*notes, fmt.Sprintf("click %s was %s before the order, outside the %d-day attribution window",
			r.ID, days(age), b.AttributionWindowDays))
	default:
		return &candidate{method: ByClick, creatorID: r.CreatorID,
			evidence: Evidence{ClickID: r.ID, ClickedAt: &clickedAt, LinkID: r.LinkID},
			rule: fmt.Sprintf("click %s on one of the creator's links was %s before the order, within the %d-day attribution window",
				r.ID, days(age), b.AttributionWindowDays)}, nil
	}
	return nil, nil
}

func (s *Service) byCustomer(tx *gorm.DB, b *brand.Brand, o *Order, notes *[]string) (*candidate, error) {
	if b.CustomerLockDays <= 0 || o.CustomerHash == "" {
		return nil, nil
	}
	type row struct {
		ID         string
		ExternalID string
		PlacedAt   time.Time
		CreatorID  string
		Status     creator.Status
	}
	var rows []row
	err := tx.Table("orders").Select("orders.id, orders.external_id, orders.placed_at, orders.creator_id, creators.status").
		Joins("JOIN creators ON creators.id = orders.creator_id").
		Where("orders.brand_id = ? AND orders.customer_hash = ? AND orders.id <> ? AND orders.placed_at < ?",
			b.ID, o.CustomerHash, o.ID, o.PlacedAt).
		Order("orders.placed_at, orders.id").Limit(1).Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	r := rows[0]
	age := o.PlacedAt.Sub(r.PlacedAt)
	placed := r.PlacedAt.UTC()
	switch {
	case age > time.Duration(b.CustomerLockDays)*24*time.Hour:
		*notes = append(*notes, fmt.Sprintf("the customer's first attributed order %s was %s earlier, past the %d-day customer lock",
			r.ExternalID, days(age), b.CustomerLockDays))
	case !r.Status.Attributable():
		*notes = append(*notes, fmt.Sprintf("the customer's first attributed order went to a %s creator", r.Status))
	default:
		return &candidate{method: ByCustomer, creatorID: r.CreatorID,
			evidence: Evidence{FirstOrderID: r.ID, FirstPlacedAt: &placed},
			rule: fmt.Sprintf("customer lock: this customer's first attributed order (%s) went to this creator %s earlier, within the %d-day lock",
				r.ExternalID, days(age), b.CustomerLockDays)}, nil
	}
	return nil, nil
}

// days writes a duration for people: "3 days", "5 hours", "12 minutes".
func days(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	case d >= 2*time.Minute:
		return fmt.Sprintf("%d minutes", int(d/time.Minute))
	}
	return "moments"
}
