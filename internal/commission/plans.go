package commission

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// StoredPlan is a brand's named plan; its rules live in versions.
type StoredPlan struct {
	ID        string `gorm:"primaryKey"`
	BrandID   string
	Name      string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName is commission_plans.
func (StoredPlan) TableName() string { return "commission_plans" }

// PlanVersion is one saved version of a plan's rules. Versions are never
// changed: entries name the version that priced them.
type PlanVersion struct {
	ID        string `gorm:"primaryKey"`
	PlanID    string
	BrandID   string
	Version   int
	Rules     Plan `gorm:"serializer:json"`
	CreatedBy string
	CreatedAt time.Time
}

// TableName is commission_plan_versions.
func (PlanVersion) TableName() string { return "commission_plan_versions" }

// NamedPlan is a plan with the rules of its current version.
type NamedPlan struct {
	StoredPlan
	VersionID string
	Rules     Plan
	// Default: the brand's default plan.
	Default bool
}

// ErrNoPlan: neither the creator nor the brand has a plan.
var ErrNoPlan = errors.New("no commission plan: set the brand's default plan or the creator's plan")

// Plans stores commission plans and their versions.
type Plans struct {
	db     *store.DB
	brands *brand.Service
	now    func() time.Time
}

// NewPlans wires the plan store.
func NewPlans(db *store.DB, brands *brand.Service) *Plans {
	return &Plans{db: db, brands: brands, now: store.Now}
}

func checkName(name string) (string, validate.Errors) {
	name = strings.TrimSpace(name)
	var errs validate.Errors
	if name == "" || len(name) > 100 {
		errs.Add("name", "name the plan (1 to 100 characters)")
	}
	return name, errs
}

// Create saves a new plan as version 1.
func (p *Plans) Create(ctx context.Context, actor brand.Actor, brandID, name string, rules Plan) (*NamedPlan, error) {
	name, errs := checkName(name)
	errs = append(errs, rules.Validate()...)
	if len(errs) > 0 {
		return nil, errs
	}
	now := p.now()
	sp := StoredPlan{ID: store.NewID("plan"), BrandID: brandID, Name: name, Version: 1, CreatedAt: now, UpdatedAt: now}
	v := PlanVersion{ID: store.NewID("planv"), PlanID: sp.ID, BrandID: brandID, Version: 1, Rules: rules, CreatedBy: actor.Label, CreatedAt: now}
	err := p.db.WithTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&sp).Error; err != nil {
			return err
		}
		if err := tx.Create(&v).Error; err != nil {
			return err
		}
		return p.brands.Audit(tx, brandID, actor, "commission_plan.created", map[string]any{"plan_id": sp.ID, "name": name})
	})
	if err != nil {
		return nil, err
	}
	return &NamedPlan{StoredPlan: sp, VersionID: v.ID, Rules: rules}, nil
}

// Update renames a plan and, when rules differ from the current ones, saves
// them as a new version. Months already priced keep the version that priced
// them.
func (p *Plans) Update(ctx context.Context, actor brand.Actor, brandID, id string, name *string, rules *Plan) (*NamedPlan, error) {
	var errs validate.Errors
	if name != nil {
		var e validate.Errors
		*name, e = checkName(*name)
		errs = append(errs, e...)
	}
	if rules != nil {
		errs = append(errs, rules.Validate()...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var out *NamedPlan
	err := p.db.WithTx(ctx, func(tx *gorm.DB) error {
		var sp StoredPlan
		if err := p.db.ForUpdate(tx).Where("brand_id = ? AND id = ?", brandID, id).Take(&sp).Error; err != nil {
			return store.Err(err)
		}
		cur, err := p.version(tx, sp.ID, sp.Version)
		if err != nil {
			return err
		}
		changes := map[string]any{"plan_id": sp.ID}
		if name != nil && *name != sp.Name {
			changes["name"] = map[string]any{"from": sp.Name, "to": *name}
			sp.Name = *name
		}
		if rules != nil && !samePlan(cur.Rules, *rules) {
			sp.Version++
			cur = &PlanVersion{ID: store.NewID("planv"), PlanID: sp.ID, BrandID: brandID, Version: sp.Version, Rules: *rules,
				CreatedBy: actor.Label, CreatedAt: p.now()}
			if err := tx.Create(cur).Error; err != nil {
				return err
			}
			changes["version"] = sp.Version
		}
		sp.UpdatedAt = p.now()
		if err := tx.Save(&sp).Error; err != nil {
			return err
		}
		out = &NamedPlan{StoredPlan: sp, VersionID: cur.ID, Rules: cur.Rules}
		if len(changes) == 1 {
			return nil
		}
		return p.brands.Audit(tx, brandID, actor, "commission_plan.updated", changes)
	})
	return out, err
}

// samePlan compares two plans' rules as they are stored.
func samePlan(a, b Plan) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func (p *Plans) version(tx *gorm.DB, planID string, version int) (*PlanVersion, error) {
	var v PlanVersion
	if err := tx.Where("plan_id = ? AND version = ?", planID, version).Take(&v).Error; err != nil {
		return nil, store.Err(err)
	}
	return &v, nil
}

// Get returns one of the brand's plans with its current rules.
func (p *Plans) Get(ctx context.Context, brandID, id string) (*NamedPlan, error) {
	var sp StoredPlan
	if err := p.db.WithContext(ctx).Where("brand_id = ? AND id = ?", brandID, id).Take(&sp).Error; err != nil {
		return nil, store.Err(err)
	}
	v, err := p.version(p.db.WithContext(ctx), sp.ID, sp.Version)
	if err != nil {
		return nil, err
	}
	def, err := p.defaultID(p.db.WithContext(ctx), brandID)
	if err != nil {
		return nil, err
	}
	return &NamedPlan{StoredPlan: sp, VersionID: v.ID, Rules: v.Rules, Default: def == sp.ID}, nil
}

// List returns the brand's plans, oldest first.
func (p *Plans) List(ctx context.Context, brandID string) ([]NamedPlan, error) {
	var sps []StoredPlan
	if err := p.db.WithContext(ctx).Where("brand_id = ?", brandID).Order("created_at, id").Find(&sps).Error; err != nil {
		return nil, err
	}
	def, err := p.defaultID(p.db.WithContext(ctx), brandID)
	if err != nil {
		return nil, err
	}
	// The current versions, in one query.
	ids := make([]string, len(sps))
	for i, sp := range sps {
		ids[i] = sp.ID
	}
	var vs []PlanVersion
	if len(ids) > 0 {
		if err := p.db.WithContext(ctx).Table("commission_plan_versions").
			Joins("JOIN commission_plans ON commission_plans.id = commission_plan_versions.plan_id AND commission_plans.version = commission_plan_versions.version").
			Where("commission_plan_versions.plan_id IN ?", ids).Select("commission_plan_versions.*").Find(&vs).Error; err != nil {
			return nil, err
		}
	}
	current := make(map[string]PlanVersion, len(vs))
	for _, v := range vs {
		current[v.PlanID] = v
	}
	out := make([]NamedPlan, 0, len(sps))
	for _, sp := range sps {
		v, ok := current[sp.ID]
		if !ok {
			return nil, fmt.Errorf("commission: plan %s has no version %d", sp.ID, sp.Version)
		}
		out = append(out, NamedPlan{StoredPlan: sp, VersionID: v.ID, Rules: v.Rules, Default: def == sp.ID})
	}
	return out, nil
}

// VersionByID returns a plan version of the brand.
func (p *Plans) VersionByID(ctx context.Context, brandID, id string) (*PlanVersion, error) {
	var v PlanVersion
	if err := p.db.WithContext(ctx).Where("brand_id = ? AND id = ?", brandID, id).Take(&v).Error; err != nil {
		return nil, store.Err(err)
	}
	return &v, nil
}

// DefaultID is the id of the brand's default plan, "" when it has none.
func (p *Plans) DefaultID(ctx context.Context, brandID string) (string, error) {
	return p.defaultID(p.db.WithContext(ctx), brandID)
}

func (p *Plans) defaultID(tx *gorm.DB, brandID string) (string, error) {
	var ids []sql.NullString
	if err := tx.Table("brands").Where("id = ?", brandID).Pluck("default_commission_plan_id", &ids).Error; err != nil {
		return "", err
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0].String, nil
}

// SetDefault makes a plan the brand's default ("" clears it).
func (p *Plans) SetDefault(ctx context.Context, actor brand.Actor, brandID, planID string) error {
	return p.db.WithTx(ctx, func(tx *gorm.DB) error {
		var val any
		if planID != "" {
			if err := p.mustOwn(tx, brandID, planID, "default_commission_plan_id"); err != nil {
				return err
			}
			val = planID
		}
		if err := tx.Table("brands").Where("id = ?", brandID).Update("default_commission_plan_id", val).Error; err != nil {
			return err
		}
		return p.brands.Audit(tx, brandID, actor, "commission_plan.default_set", map[string]any{"plan_id": planID})
	})
}

// SetCreatorPlan gives a creator their own plan ("" returns them to the
// brand's default).
func (p *Plans) SetCreatorPlan(ctx context.Context, actor brand.Actor, brandID, creatorID, planID string) error {
	return p.db.WithTx(ctx, func(tx *gorm.DB) error {
		var val any
		if planID != "" {
			if err := p.mustOwn(tx, brandID, planID, "commission_plan_id"); err != nil {
				return err
			}
			val = planID
		}
		r := tx.Table("creators").Where("brand_id = ? AND id = ?", brandID, creatorID).Update("commission_plan_id", val)
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected == 0 {
			return store.ErrNotFound
		}
		return p.brands.Audit(tx, brandID, actor, "creator.commission_plan_set", map[string]any{"creator_id": creatorID, "plan_id": planID})
	})
}

func (p *Plans) mustOwn(tx *gorm.DB, brandID, planID, field string) error {
	var n int64
	if err := tx.Model(&StoredPlan{}).Where("brand_id = ? AND id = ?", brandID, planID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return validate.Errors{{Field: field, Message: "no such commission plan in this brand"}}
	}
	return nil
}

// forCreator is the current version of the plan that applies to a creator:
// their own, else the brand's default; ErrNoPlan with neither.
func (p *Plans) forCreator(tx *gorm.DB, brandID, creatorID string) (*PlanVersion, error) {
	var ids []sql.NullString
	if err := tx.Table("creators").Where("brand_id = ? AND id = ?", brandID, creatorID).Pluck("commission_plan_id", &ids).Error; err != nil {
		return nil, err
	}
	planID := ""
	if len(ids) > 0 {
		planID = ids[0].String
	}
	if planID == "" {
		def, err := p.defaultID(tx, brandID)
		if err != nil {
			return nil, err
		}
		planID = def
	}
	if planID == "" {
		return nil, ErrNoPlan
	}
	var sp StoredPlan
	if err := tx.Where("brand_id = ? AND id = ?", brandID, planID).Take(&sp).Error; err != nil {
		return nil, store.Err(err)
	}
	return p.version(tx, sp.ID, sp.Version)
}
