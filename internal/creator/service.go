package creator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// Service is the creator domain's entry point.
type Service struct {
	db      *store.DB
	brands  *brand.Service
	outbox  *mail.Outbox
	baseURL string
	log     *slog.Logger
	signer  auth.Signer
	now     func() time.Time
}

// NewService wires the creator service. master keys the portal's session tokens.
func NewService(db *store.DB, brands *brand.Service, outbox *mail.Outbox, baseURL, master string, log *slog.Logger) *Service {
	return &Service{db: db, brands: brands, outbox: outbox, baseURL: baseURL, log: log,
		signer: auth.NewSigner(master, "portal-jwt/v1", PortalAudience), now: store.Now}
}

// applicant and system actors, for the activity history.
func creatorActor(c *Creator) brand.Actor {
	return brand.Actor{Type: "creator", ID: c.ID, Label: c.Email}
}

var systemActor = brand.Actor{Type: "system", Label: "Clout (auto-approve rule)"}

// Application is what a creator sends from /join/{slug}.
type Application struct {
	Profile
	AcceptTerms      bool
	AcceptDisclosure bool
	// TermsVersion is the version of the terms the page showed.
	TermsVersion int
}

// Apply records an application to the brand with that slug. A second
// application from the same email returns ErrDuplicate and changes nothing.
// With the brand's auto-approve rule met, the creator is active at once.
func (s *Service) Apply(ctx context.Context, slug string, in Application) (*Creator, error) {
	b, err := s.brands.BySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	var errs validate.Errors
	c := &Creator{ID: store.NewID("cr"), BrandID: b.ID, Status: Applied, Source: "application"}
	if in.Name == nil {
		in.Name = str("")
	}
	if in.Email == nil {
		in.Email = str("")
	}
	handles, tags, perrs := in.Profile.apply(c)
	errs = append(errs, perrs...)
	if len(handles) == 0 && len(perrs) == 0 {
		errs.Add("handles", "give at least one social handle so the brand can see your work")
	}
	if !in.AcceptTerms {
		errs.Add("accept_terms", "accept the program terms to apply")
	}
	if !in.AcceptDisclosure {
		errs.Add("accept_disclosure", "promise to disclose paid partnerships to apply")
	}
	if in.TermsVersion != b.TermsVersion {
		errs.Add("accept_terms", "the terms changed while you were reading; read them again and accept")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	c.TermsVersion, c.TermsAcceptedAt = &b.TermsVersion, &now
	auto := b.AutoApproveMinAudience > 0 && c.TotalAudience >= b.AutoApproveMinAudience
	err = s.db.WithTx(ctx, func(tx *gorm.DB) error {
		if err := s.create(tx, c, handles, tags, creatorActor(c), ""); err != nil {
			return err
		}
		data := s.mailData(b, c, "")
		if auto {
			reason := fmt.Sprintf("total audience %d meets the auto-approve minimum of %d", c.TotalAudience, b.AutoApproveMinAudience)
			if err := s.transition(tx, c, Active, systemActor, reason); err != nil {
				return err
			}
			return s.outbox.Send(ctx, tx, b.ID, c.Email, mail.ApplicationApproved, data)
		}
		return s.outbox.Send(ctx, tx, b.ID, c.Email, mail.ApplicationReceived, data)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// create inserts a new creator with its account (found or made by email),
// handles, tags and first event. A duplicate email in the brand is ErrDuplicate.
func (s *Service) create(tx *gorm.DB, c *Creator, handles []Handle, tags []string, actor brand.Actor, reason string) error {
	var n int64
	if err := tx.Model(&Creator{}).Where("brand_id = ? AND email = ?", c.BrandID, c.Email).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return ErrDuplicate
	}
	acc, err := s.account(tx, c.Email)
	if err != nil {
		return err
	}
	now := s.now()
	c.AccountID, c.CreatedAt, c.UpdatedAt = acc.ID, now, now
	if err := tx.Create(c).Error; err != nil {
		if store.IsUniqueViolation(err) {
			return ErrDuplicate
		}
		return err
	}
	if err := s.saveHandlesAndTags(tx, c, handles, tags); err != nil {
		return err
	}
	return s.record(tx, c, "", c.Status, actor, reason)
}

// account finds or creates the creator account for an email.
func (s *Service) account(tx *gorm.DB, email string) (*Account, error) {
	var a Account
	err := tx.Where("email = ?", email).Take(&a).Error
	if err == nil {
		return &a, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, err
	}
	now := s.now()
	a = Account{ID: store.NewID("cra"), Email: email, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(&a).Error; err != nil {
		if store.IsUniqueViolation(err) {
			// Made at the same moment by another request: use that one.
			return &a, tx.Where("email = ?", email).Take(&a).Error
		}
		return nil, err
	}
	return &a, nil
}

func (s *Service) saveHandlesAndTags(tx *gorm.DB, c *Creator, handles []Handle, tags []string) error {
	if handles != nil {
		if err := tx.Where("creator_id = ?", c.ID).Delete(&Handle{}).Error; err != nil {
			return err
		}
		for i := range handles {
			handles[i].CreatorID, handles[i].BrandID = c.ID, c.BrandID
		}
		if len(handles) > 0 {
			if err := tx.Create(&handles).Error; err != nil {
				return err
			}
		}
		c.Handles = handles
	}
	if tags != nil {
		if err := tx.Where("creator_id = ?", c.ID).Delete(&tagRow{}).Error; err != nil {
			return err
		}
		rows := make([]tagRow, len(tags))
		for i, t := range tags {
			rows[i] = tagRow{CreatorID: c.ID, BrandID: c.BrandID, Tag: t}
		}
		if len(rows) > 0 {
			if err := tx.Create(&rows).Error; err != nil {
				return err
			}
		}
		c.Tags = tags
	}
	return nil
}

func (s *Service) record(tx *gorm.DB, c *Creator, from, to Status, a brand.Actor, reason string) error {
	return tx.Create(&Event{ID: store.NewID("cev"), BrandID: c.BrandID, CreatorID: c.ID, FromStatus: from, ToStatus: to,
		ActorType: a.Type, ActorID: a.ID, ActorLabel: a.Label, Reason: reason, CreatedAt: s.now()}).Error
}

// transition changes c's status inside tx, enforcing the lifecycle, and
// records it. The caller holds the creator's row lock.
func (s *Service) transition(tx *gorm.DB, c *Creator, to Status, a brand.Actor, reason string) error {
	if !c.Status.CanBecome(to) {
		return errIllegal(c.Status, to)
	}
	from := c.Status
	c.Status, c.UpdatedAt = to, s.now()
	if err := tx.Model(&Creator{}).Where("id = ?", c.ID).Updates(map[string]any{"status": to, "updated_at": c.UpdatedAt}).Error; err != nil {
		return err
	}
	if to == Retired || to == Rejected {
		// Out of the program: portal sessions end now.
		if err := tx.Model(&PortalSession{}).Where("creator_id = ? AND revoked_at IS NULL", c.ID).Update("revoked_at", s.now()).Error; err != nil {
			return err
		}
	}
	return s.record(tx, c, from, to, a, reason)
}

// MaxReason is the longest reason kept with a status change.
const MaxReason = 1000

// SetStatus changes one of the brand's creators to status `to`, with an
// optional reason, and emails the creator when an application is decided.
func (s *Service) SetStatus(ctx context.Context, actor brand.Actor, brandID, creatorID string, to Status, reason string) (*Creator, error) {
	if err := checkStatusChange(to, reason); err != nil {
		return nil, err
	}
	var c Creator
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		if err := s.db.ForUpdate(tx).Where("brand_id = ? AND id = ?", brandID, creatorID).Take(&c).Error; err != nil {
			return store.Err(err)
		}
		return s.decide(ctx, tx, &c, to, actor, reason)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// checkStatusChange validates a requested status and reason.
func checkStatusChange(to Status, reason string) error {
	var errs validate.Errors
	if !to.Valid() {
		errs.Add("status", "unknown status %q (one of invited, applied, active, paused, rejected, retired)", to)
	}
	if len(strings.TrimSpace(reason)) > MaxReason {
		errs.Add("reason", "at most %d characters", MaxReason)
	}
	return errs.Err()
}

// decide changes a locked creator's status and, when that decides an
// application, emails the applicant. Every brand-side status change (page,
// bulk queue, API) comes through here.
func (s *Service) decide(ctx context.Context, tx *gorm.DB, c *Creator, to Status, actor brand.Actor, reason string) error {
	reason = strings.TrimSpace(reason)
	from := c.Status
	if err := s.transition(tx, c, to, actor, reason); err != nil {
		return err
	}
	if from != Applied && from != Rejected {
		return nil
	}
	b, err := s.brands.Get(ctx, c.BrandID)
	if err != nil {
		return err
	}
	switch to {
	case Active:
		return s.outbox.Send(ctx, tx, c.BrandID, c.Email, mail.ApplicationApproved, s.mailData(b, c, ""))
	case Rejected:
		return s.outbox.Send(ctx, tx, c.BrandID, c.Email, mail.ApplicationRejected, s.mailData(b, c, reason))
	}
	return nil
}

// BulkResult says what a bulk decision did with each creator.
type BulkResult struct {
	Changed []string
	Failed  map[string]error
}

// SetStatusMany applies one decision to many creators (the applications
// queue). Each creator changes in its own transaction; the ones that cannot
// change are reported, not silently skipped.
func (s *Service) SetStatusMany(ctx context.Context, actor brand.Actor, brandID string, ids []string, to Status, reason string) BulkResult {
	res := BulkResult{Failed: map[string]error{}}
	for _, id := range ids {
		if _, err := s.SetStatus(ctx, actor, brandID, id, to, reason); err != nil {
			res.Failed[id] = err
			continue
		}
		res.Changed = append(res.Changed, id)
	}
	return res
}

type mailData struct {
	Name, BrandName, Link, PortalURL, Reason string
}

func (s *Service) mailData(b *brand.Brand, c *Creator, reason string) mailData {
	name := c.Name
	if name == "" {
		name = "there"
	}
	return mailData{Name: name, BrandName: b.Name, PortalURL: s.baseURL + "/portal/login", Reason: reason}
}
