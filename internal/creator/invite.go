package creator

import (
	"context"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// New adds a creator on the brand side: "invited" (an invite link is made
// and emailed; the link is returned so the brand can copy it) or "active"
// (through the API, for creators the brand already works with).
func (s *Service) New(ctx context.Context, actor brand.Actor, brandID string, p Profile, status Status) (*Creator, string, error) {
	if status == "" {
		status = Active
	}
	if status != Active && status != Invited {
		return nil, "", validate.Errors{{Field: "status", Message: "a new creator is \"active\" or \"invited\""}}
	}
	if p.Name == nil {
		p.Name = str("")
	}
	if p.Email == nil {
		p.Email = str("")
	}
	source := "api"
	if status == Invited {
		source = "invite"
	}
	c := &Creator{ID: store.NewID("cr"), BrandID: brandID, Status: status, Source: source}
	handles, tags, errs := p.apply(c)
	if err := errs.Err(); err != nil {
		return nil, "", err
	}
	b, err := s.brands.Get(ctx, brandID)
	if err != nil {
		return nil, "", err
	}
	var link string
	err = s.db.WithTx(ctx, func(tx *gorm.DB) error {
		reason := "added by the brand"
		if status == Invited {
			reason = "invited by the brand"
		}
		if err := s.create(tx, c, handles, tags, actor, reason); err != nil {
			return err
		}
		if status != Invited {
			return nil
		}
		plain, err := s.newToken(tx, c, purposeInvite, InviteTTL)
		if err != nil {
			return err
		}
		link = s.baseURL + "/creator-invite/" + plain
		data := s.mailData(b, c, "")
		data.Link = link
		return s.outbox.Send(ctx, tx, brandID, c.Email, mail.CreatorInvite, data)
	})
	if err != nil {
		return nil, "", err
	}
	return c, link, nil
}

func (s *Service) newToken(tx *gorm.DB, c *Creator, purpose string, ttl time.Duration) (string, error) {
	plain, hash := auth.NewToken()
	now := s.now()
	t := token{ID: store.NewID("ctk"), BrandID: c.BrandID, CreatorID: c.ID, Purpose: purpose, TokenHash: hash,
		CreatedAt: now, ExpiresAt: now.Add(ttl)}
	return plain, tx.Create(&t).Error
}

// useToken spends a single-use token inside tx and returns its creator,
// locked. Unknown, expired and used tokens are ErrTokenInvalid.
func (s *Service) useToken(tx *gorm.DB, plain, purpose string) (*Creator, error) {
	var t token
	err := s.db.ForUpdate(tx).Where("token_hash = ? AND purpose = ?", auth.HashToken(plain), purpose).Take(&t).Error
	if err != nil || t.UsedAt != nil || !s.now().Before(t.ExpiresAt) {
		return nil, ErrTokenInvalid
	}
	res := tx.Model(&token{}).Where("id = ? AND used_at IS NULL", t.ID).Update("used_at", s.now())
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected != 1 {
		return nil, ErrTokenInvalid
	}
	var c Creator
	if err := s.db.ForUpdate(tx).Where("id = ?", t.CreatorID).Take(&c).Error; err != nil {
		return nil, store.Err(err)
	}
	return &c, nil
}

// peekToken returns a live token's creator and brand without spending it
// (to show the page the link opens).
func (s *Service) peekToken(ctx context.Context, plain, purpose string) (*Creator, *brand.Brand, error) {
	var t token
	err := s.db.WithContext(ctx).Where("token_hash = ? AND purpose = ?", auth.HashToken(plain), purpose).Take(&t).Error
	if err != nil || t.UsedAt != nil || !s.now().Before(t.ExpiresAt) {
		return nil, nil, ErrTokenInvalid
	}
	var c Creator
	if err := s.db.WithContext(ctx).Where("id = ?", t.CreatorID).Take(&c).Error; err != nil {
		return nil, nil, store.Err(err)
	}
	b, err := s.brands.Get(ctx, c.BrandID)
	if err != nil {
		return nil, nil, err
	}
	return &c, b, nil
}

// InviteByToken shows what an invite link is for.
func (s *Service) InviteByToken(ctx context.Context, plain string) (*Creator, *brand.Brand, error) {
	c, b, err := s.peekToken(ctx, plain, purposeInvite)
	if err == nil && c.Status != Invited {
		return nil, nil, ErrTokenInvalid
	}
	return c, b, err
}

// AcceptInvite spends an invite link: the creator accepts the terms (and the
// disclosure promise) and becomes active. It returns the creator, whom the
// caller logs in to the portal.
func (s *Service) AcceptInvite(ctx context.Context, plain string, name string, acceptTerms, acceptDisclosure bool, termsVersion int) (*Creator, error) {
	var errs validate.Errors
	if !acceptTerms {
		errs.Add("accept_terms", "accept the program terms to join")
	}
	if !acceptDisclosure {
		errs.Add("accept_disclosure", "promise to disclose paid partnerships to join")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var c *Creator
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		var err error
		if c, err = s.useToken(tx, plain, purposeInvite); err != nil {
			return err
		}
		if c.Status != Invited {
			return ErrTokenInvalid
		}
		b, err := s.brands.Get(ctx, c.BrandID)
		if err != nil {
			return err
		}
		if termsVersion != b.TermsVersion {
			return validate.Errors{{Field: "accept_terms", Message: "the terms changed while you were reading; read them again and accept"}}
		}
		now := s.now()
		updates := map[string]any{"terms_version": b.TermsVersion, "terms_accepted_at": now}
		if n := checkLen(&errs, "name", name, MaxName, false); n != "" && len(errs) == 0 {
			updates["name"], c.Name = n, n
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if err := tx.Model(&Creator{}).Where("id = ?", c.ID).Updates(updates).Error; err != nil {
			return err
		}
		c.TermsVersion, c.TermsAcceptedAt = &b.TermsVersion, &now
		return s.transition(tx, c, Active, creatorActor(c), "accepted the invite and the program terms")
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
