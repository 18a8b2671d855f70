package commission

import (
	"context"
	"errors"
	"math/big"
	"sort"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// SimLine is one creator's months under the current plans and a draft.
type SimLine struct {
	CreatorID string `json:"creator_id"`
	Name      string `json:"name"`
	Revenue   int64  `json:"revenue"`
	// Margin is the gross margin of the lines whose margin is known.
	Margin  int64 `json:"margin"`
	Current int64 `json:"current"`
	Draft   int64 `json:"draft"`
}

// Simulation compares what the months from..to would cost under a draft
// plan with what they cost under the plans that priced them (or would price
// them now).
type Simulation struct {
	Months   []string  `json:"months"`
	Currency string    `json:"currency"`
	Creators []SimLine `json:"creators"`
	Total    SimLine   `json:"total"`
}

// RateBps is a commission as basis points of base (0 when base is 0).
func RateBps(commission, base int64) int64 {
	if base <= 0 {
		return 0
	}
	return mulDivHalfAway(commission, MaxBps, base)
}

// mulDivHalfAway is a × b ÷ c, rounded half away from zero (c > 0), exact
// for any int64 inputs whose result fits.
func mulDivHalfAway(a, b, c int64) int64 {
	n := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	neg := n.Sign() < 0
	n.Abs(n).Mul(n, big.NewInt(2)).Add(n, big.NewInt(c)).Quo(n, big.NewInt(2*c))
	if neg {
		n.Neg(n)
	}
	return n.Int64()
}

// MaxSimMonths bounds a simulation.
const MaxSimMonths = 12

// Months lists the calendar months from..to (both included), "2006-01".
func Months(from, to string) ([]string, error) {
	var errs validate.Errors
	f, err1 := time.Parse("2006-01", from)
	t, err2 := time.Parse("2006-01", to)
	if err1 != nil {
		errs.Add("from", "a month such as 2026-03")
	}
	if err2 != nil {
		errs.Add("to", "a month such as 2026-03")
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if t.Before(f) {
		return nil, validate.Errors{{Field: "to", Message: "is before from"}}
	}
	var out []string
	for m := f; !m.After(t); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
		if len(out) > MaxSimMonths {
			return nil, validate.Errors{{Field: "to", Message: "simulate at most 12 months at a time"}}
		}
	}
	return out, nil
}

// Simulate prices the brand's attributed orders of the months under draft
// and under the current plans, per creator, without writing anything.
func (l *Ledger) Simulate(ctx context.Context, b *brand.Brand, draft Plan, months []string) (*Simulation, error) {
	if errs := draft.Validate(); len(errs) > 0 {
		return nil, errs
	}
	sim := &Simulation{Months: months, Currency: b.Currency, Total: SimLine{Name: "Total"}}
	// Reads only, outside a transaction: on SQLite a transaction would hold
	// the write lock for the whole simulation.
	tx := l.db.WithContext(ctx)
	err := func() error {
		byCreator := map[string]*SimLine{}
		for _, month := range months {
			start, end, err := monthBounds(b, month)
			if err != nil {
				return err
			}
			type row struct {
				CreatorID string
				Name      string
			}
			var rows []row
			if err := tx.Table("orders").Select("DISTINCT orders.creator_id, creators.name").
				Joins("JOIN creators ON creators.id = orders.creator_id").
				Where("orders.brand_id = ? AND orders.placed_at >= ? AND orders.placed_at < ?", b.ID, start.UTC(), end.UTC()).
				Scan(&rows).Error; err != nil {
				return err
			}
			for _, r := range rows {
				line := byCreator[r.CreatorID]
				if line == nil {
					line = &SimLine{CreatorID: r.CreatorID, Name: r.Name}
					byCreator[r.CreatorID] = line
				}
				d, err := l.priceMonth(tx, b, r.CreatorID, month, draft)
				if err != nil {
					return err
				}
				line.Revenue += d.revenue
				line.Margin += d.margin
				line.Draft += total(d.want)
				current, err := l.currentRules(tx, b.ID, r.CreatorID, month)
				if errors.Is(err, ErrNoPlan) {
					continue
				}
				if err != nil {
					return err
				}
				c, err := l.priceMonth(tx, b, r.CreatorID, month, current)
				if err != nil {
					return err
				}
				line.Current += total(c.want)
			}
		}
		for _, line := range byCreator {
			sim.Creators = append(sim.Creators, *line)
			sim.Total.Revenue += line.Revenue
			sim.Total.Margin += line.Margin
			sim.Total.Current += line.Current
			sim.Total.Draft += line.Draft
		}
		sort.Slice(sim.Creators, func(i, j int) bool {
			a, c := sim.Creators[i], sim.Creators[j]
			if a.Revenue != c.Revenue {
				return a.Revenue > c.Revenue
			}
			return a.CreatorID < c.CreatorID
		})
		return nil
	}()
	if err != nil {
		return nil, err
	}
	return sim, nil
}

func total(want map[string]component) int64 {
	var t int64
	for _, c := range want {
		t += c.amount
	}
	return t
}

// currentRules are the rules that price (or would price) a creator's month:
// the bound version, else the creator's plan now.
func (l *Ledger) currentRules(tx *gorm.DB, brandID, creatorID, month string) (Plan, error) {
	var mr monthRow
	err := tx.Where("brand_id = ? AND creator_id = ? AND month = ?", brandID, creatorID, month).Limit(1).Find(&mr).Error
	if err != nil {
		return Plan{}, err
	}
	if mr.PlanVersionID != "" {
		var v PlanVersion
		if err := tx.Where("id = ?", mr.PlanVersionID).Take(&v).Error; err != nil {
			return Plan{}, err
		}
		return v.Rules, nil
	}
	v, err := l.plans.forCreator(tx, brandID, creatorID)
	if err != nil {
		return Plan{}, err
	}
	return v.Rules, nil
}

// recomputeKeys are the creator-months of month priced under another
// version of plan p.
func recomputeKeys(tx *gorm.DB, brandID string, p *NamedPlan, month string) ([]monthRow, error) {
	var keys []monthRow
	err := tx.Table("commission_months").
		Joins("JOIN commission_plan_versions v ON v.id = commission_months.plan_version_id").
		Where("commission_months.brand_id = ? AND commission_months.month = ? AND v.plan_id = ? AND v.id <> ?", brandID, month, p.ID, p.VersionID).
		Select("commission_months.*").Find(&keys).Error
	return keys, err
}

// RecomputeCreators lists the creators whose month Recompute would move:
// those priced under an older version of the plan.
func (l *Ledger) RecomputeCreators(ctx context.Context, b *brand.Brand, planID, month string) (map[string]bool, error) {
	p, err := l.plans.Get(ctx, b.ID, planID)
	if err != nil {
		return nil, err
	}
	keys, err := recomputeKeys(l.db.WithContext(ctx), b.ID, p, month)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k.CreatorID] = true
	}
	return out, nil
}

// Recompute moves the brand's creator-months of month that are priced under
// another version of the plan to its current version, and reprices them:
// the differences are added to the ledger as new entries (nothing is
// edited). Creators with their own plan move only when it is this plan.
// It returns how many creator-months moved.
func (l *Ledger) Recompute(ctx context.Context, actor brand.Actor, b *brand.Brand, planID, month string) (int, error) {
	if _, err := Months(month, month); err != nil {
		return 0, err
	}
	p, err := l.plans.Get(ctx, b.ID, planID)
	if err != nil {
		return 0, err
	}
	var keys []monthRow
	err = l.db.WithTx(ctx, func(tx *gorm.DB) error {
		var err error
		if keys, err = recomputeKeys(tx, b.ID, p, month); err != nil {
			return err
		}
		for _, k := range keys {
			if err := tx.Table("commission_months").Where("brand_id = ? AND creator_id = ? AND month = ?", k.BrandID, k.CreatorID, k.Month).
				Update("plan_version_id", p.VersionID).Error; err != nil {
				return err
			}
		}
		return l.brands.Audit(tx, b.ID, actor, "commission.recomputed", map[string]any{
			"plan_id": p.ID, "version": p.Version, "month": month, "creator_months": len(keys)})
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := l.Reconcile(ctx, b, k.CreatorID, k.Month); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}
