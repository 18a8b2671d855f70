package creator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

const (
	// PortalAudience is the audience of portal session tokens, so that a
	// brand team token never opens the portal nor the reverse.
	PortalAudience = "clout-portal"
	// PortalSessionTTL is how long a portal login lasts.
	PortalSessionTTL = 30 * 24 * time.Hour
)

// ErrLinkSent: switching to that brand needs a login link, which was emailed.
var ErrLinkSent = errors.New("we emailed you a login link for that program")

// RequestMagicLink emails a login link for each program the address may
// enter, each from its own brand (so each lands in that brand's outbox
// only). It says nothing about whether the address is known.
func (s *Service) RequestMagicLink(ctx context.Context, email string) error {
	email, ok := validate.Email(email)
	if !ok {
		return validate.Errors{{Field: "email", Message: "enter a valid email address"}}
	}
	var cs []Creator
	if err := s.db.WithContext(ctx).Where("email = ? AND status IN ?", email, []Status{Applied, Active, Paused}).Find(&cs).Error; err != nil {
		return err
	}
	for i := range cs {
		if err := s.sendMagicLink(ctx, &cs[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) sendMagicLink(ctx context.Context, c *Creator) error {
	b, err := s.brands.Get(ctx, c.BrandID)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *gorm.DB) error {
		plain, err := s.newToken(tx, c, purposeMagic, MagicLinkTTL)
		if err != nil {
			return err
		}
		data := s.mailData(b, c, "")
		data.Link = s.baseURL + "/portal/magic/" + plain
		return s.outbox.Send(ctx, tx, c.BrandID, c.Email, mail.MagicLink, data)
	})
}

// MagicLinkInfo shows which program a login link opens, without spending it.
func (s *Service) MagicLinkInfo(ctx context.Context, plain string) (*Creator, string, error) {
	c, b, err := s.peekToken(ctx, plain, purposeMagic)
	if err != nil {
		return nil, "", err
	}
	return c, b.Name, nil
}

// OpenMagicLink spends a login link and starts a portal session on its
// program. A creator without portal access (retired, say) is refused and
// the link is spent all the same.
func (s *Service) OpenMagicLink(ctx context.Context, plain string) (string, *PortalSession, error) {
	var c *Creator
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		var err error
		c, err = s.useToken(tx, plain, purposeMagic)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	if !c.Status.PortalAccess() {
		return "", nil, fmt.Errorf("%w: you are %s in this program", ErrNoPortalAccess, c.Status)
	}
	return s.startSession(ctx, c, false)
}

// StartSession opens a portal session for a creator who just proved who
// they are another way (accepting an invite).
func (s *Service) StartSession(ctx context.Context, c *Creator) (string, *PortalSession, error) {
	return s.startSession(ctx, c, false)
}

func (s *Service) startSession(ctx context.Context, c *Creator, all bool) (string, *PortalSession, error) {
	now := s.now()
	sess := &PortalSession{ID: store.NewID("pss"), AccountID: c.AccountID, CreatorID: c.ID, AllBrands: all,
		CreatedAt: now, ExpiresAt: now.Add(PortalSessionTTL)}
	if err := s.db.WithContext(ctx).Create(sess).Error; err != nil {
		return "", nil, err
	}
	tok, err := s.signer.Sign(sess.ID, sess.AccountID, sess.CreatedAt, sess.ExpiresAt)
	return tok, sess, err
}

// LoginPassword opens every program of the account whose password matches.
func (s *Service) LoginPassword(ctx context.Context, email, password string) (string, *PortalSession, error) {
	email, _ = validate.Email(email)
	var a Account
	err := s.db.WithContext(ctx).Where("email = ?", email).Take(&a).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil, err
	}
	if !auth.CheckPassword(a.PasswordHash, password) {
		return "", nil, errors.New("wrong email or password")
	}
	ms, err := s.Memberships(ctx, a.ID)
	if err != nil {
		return "", nil, err
	}
	for _, m := range ms {
		if m.Status.PortalAccess() {
			var c Creator
			if err := s.db.WithContext(ctx).Where("id = ?", m.CreatorID).Take(&c).Error; err != nil {
				return "", nil, err
			}
			return s.startSession(ctx, &c, true)
		}
	}
	return "", nil, ErrNoPortalAccess
}

// Portal is a verified portal session and the creator it shows.
type Portal struct {
	Session *PortalSession
	Creator *Creator
}

// VerifyPortal checks a portal token, its session row, and that the creator
// it shows still has portal access. Every portal page starts here: the
// creator id comes from the session, never from the URL.
func (s *Service) VerifyPortal(ctx context.Context, tok string) (*Portal, error) {
	sid, sub, err := s.signer.Parse(tok)
	if err != nil {
		return nil, err
	}
	var sess PortalSession
	if err := s.db.WithContext(ctx).Where("id = ? AND account_id = ?", sid, sub).Take(&sess).Error; err != nil {
		return nil, auth.ErrNoSession
	}
	if sess.RevokedAt != nil || !s.now().Before(sess.ExpiresAt) {
		return nil, auth.ErrNoSession
	}
	var c Creator
	if err := s.db.WithContext(ctx).Where("id = ? AND account_id = ?", sess.CreatorID, sess.AccountID).Take(&c).Error; err != nil {
		return nil, auth.ErrNoSession
	}
	if !c.Status.PortalAccess() {
		return nil, auth.ErrNoSession
	}
	cs := []Creator{c}
	if err := s.loadDetails(ctx, cs); err != nil {
		return nil, err
	}
	return &Portal{Session: &sess, Creator: &cs[0]}, nil
}

// Memberships lists an account's programs by brand name.
func (s *Service) Memberships(ctx context.Context, accountID string) ([]Membership, error) {
	var out []Membership
	err := s.db.WithContext(ctx).Table("creators c").
		Select("c.id AS creator_id, c.brand_id, b.name AS brand_name, c.status").
		Joins("JOIN brands b ON b.id = c.brand_id").Where("c.account_id = ?", accountID).
		Order("b.name, c.id").Scan(&out).Error
	return out, err
}

// Switch moves a portal session to another of the account's programs. A
// session opened by a magic link covers one program: for another, a login
// link is emailed (ErrLinkSent). Another account's creator is ErrNotFound.
func (s *Service) Switch(ctx context.Context, p *Portal, creatorID string) error {
	var c Creator
	if err := s.db.WithContext(ctx).Where("id = ? AND account_id = ?", creatorID, p.Session.AccountID).Take(&c).Error; err != nil {
		return store.Err(err)
	}
	if !c.Status.PortalAccess() {
		return fmt.Errorf("%w: you are %s in that program", ErrNoPortalAccess, c.Status)
	}
	if !p.Session.AllBrands && c.ID != p.Session.CreatorID {
		if err := s.sendMagicLink(ctx, &c); err != nil {
			return err
		}
		return ErrLinkSent
	}
	return s.db.WithContext(ctx).Model(&PortalSession{}).Where("id = ?", p.Session.ID).Update("creator_id", c.ID).Error
}

// Logout ends a portal session.
func (s *Service) Logout(ctx context.Context, sessionID string) error {
	return s.db.WithContext(ctx).Model(&PortalSession{}).Where("id = ? AND revoked_at IS NULL", sessionID).
		Update("revoked_at", s.now()).Error
}

// OwnProfile is what creators may change about themselves.
type OwnProfile struct {
	Name        *string
	Handles     map[Platform]HandleInput
	PayoutEmail *string
	Country     *string
}

// UpdateOwnProfile changes the portal session's creator, and only that one.
func (s *Service) UpdateOwnProfile(ctx context.Context, p *Portal, in OwnProfile) (*Creator, error) {
	prof := Profile{Name: in.Name, Handles: in.Handles, PayoutEmail: in.PayoutEmail, Country: in.Country}
	var c Creator
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		if err := s.db.ForUpdate(tx).Where("id = ? AND account_id = ?", p.Session.CreatorID, p.Session.AccountID).Take(&c).Error; err != nil {
			return store.Err(err)
		}
		handles, _, errs := prof.apply(&c)
		if err := errs.Err(); err != nil {
			return err
		}
		c.UpdatedAt = s.now()
		if err := tx.Model(&Creator{}).Where("id = ?", c.ID).Updates(map[string]any{"name": c.Name, "country": c.Country,
			"payout_email": c.PayoutEmail, "total_audience": c.TotalAudience, "updated_at": c.UpdatedAt}).Error; err != nil {
			return err
		}
		return s.saveHandlesAndTags(tx, &c, handles, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, c.BrandID, c.ID)
}

// SetPassword sets the account's portal password (optional: magic links
// always work). It logs the account in to all its programs next time.
func (s *Service) SetPassword(ctx context.Context, p *Portal, password string) error {
	var a Account
	if err := s.db.WithContext(ctx).Where("id = ?", p.Session.AccountID).Take(&a).Error; err != nil {
		return store.Err(err)
	}
	if err := auth.CheckPasswordStrength(password, a.Email); err != nil {
		return validate.Errors{{Field: "password", Message: err.Error()}}
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Model(&Account{}).Where("id = ?", a.ID).
		Updates(map[string]any{"password_hash": hash, "updated_at": s.now()}).Error
}
