package brand

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// Memberships lists the brands a user belongs to, by brand name.
func (s *Service) Memberships(ctx context.Context, userID string) ([]BrandMembership, error) {
	var out []BrandMembership
	err := s.db.WithContext(ctx).Table("memberships m").
		Select("m.brand_id AS brand_id, b.name AS brand_name, m.role AS role").
		Joins("JOIN brands b ON b.id = m.brand_id").Where("m.user_id = ?", userID).
		Order("b.name, b.id").Scan(&out).Error
	return out, err
}

// Membership returns a user's membership in a brand, or ErrNotFound.
func (s *Service) Membership(ctx context.Context, userID, brandID string) (*Membership, error) {
	var m Membership
	if err := s.db.WithContext(ctx).Where("user_id = ? AND brand_id = ?", userID, brandID).Take(&m).Error; err != nil {
		return nil, store.Err(err)
	}
	return &m, nil
}

// User returns a user by id.
func (s *Service) User(ctx context.Context, id string) (*User, error) {
	var u User
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return nil, store.Err(err)
	}
	return &u, nil
}

// members queries a brand's team with each member's email and name.
func (s *Service) members(ctx context.Context, brandID string) *gorm.DB {
	return s.db.WithContext(ctx).Table("memberships m").
		Select("m.id, m.brand_id, m.user_id, m.role, m.created_at, u.email, u.name").
		Joins("JOIN users u ON u.id = m.user_id").Where("m.brand_id = ?", brandID)
}

// Members lists a brand's team.
func (s *Service) Members(ctx context.Context, brandID string) ([]Member, error) {
	var out []Member
	err := s.members(ctx, brandID).Order("m.created_at, m.id").Scan(&out).Error
	return out, err
}

// Member returns one member of a brand by membership id.
func (s *Service) Member(ctx context.Context, brandID, id string) (*Member, error) {
	var out []Member
	err := s.members(ctx, brandID).Where("m.id = ?", id).Scan(&out).Error
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}

// Invite sends (queues) an invite email and returns the invite with its link.
// Only owners may invite owners.
func (s *Service) Invite(ctx context.Context, actor Actor, actorRole Role, brandID, email string, role Role) (*Invite, string, error) {
	var errs validate.Errors
	email, ok := validate.Email(email)
	if !ok {
		errs.Add("email", "enter a valid email address")
	}
	if !role.Valid() {
		errs.Add("role", "choose owner, admin or analyst")
	}
	if err := errs.Err(); err != nil {
		return nil, "", err
	}
	if !actorRole.CanWrite() || (role == Owner && actorRole != Owner) {
		return nil, "", ErrForbidden
	}
	b, err := s.Get(ctx, brandID)
	if err != nil {
		return nil, "", err
	}
	token, hash := auth.NewToken()
	now := s.now()
	inv := &Invite{ID: store.NewID("inv"), BrandID: brandID, Email: email, Role: role, TokenHash: hash,
		CreatedAt: now, ExpiresAt: now.Add(InviteTTL)}
	if actor.Type == "user" {
		inv.InvitedBy = &actor.ID
	}
	link := s.baseURL + "/invite/" + token
	err = s.db.WithTx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("memberships m").Joins("JOIN users u ON u.id = m.user_id").
			Where("m.brand_id = ? AND u.email = ?", brandID, email).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return validate.Errors{{Field: "email", Message: ErrAlreadyMember.Error()}}
		}
		if err := tx.Create(inv).Error; err != nil {
			return err
		}
		body := fmt.Sprintf("%s invited you to join %s on Clout as %s.\n\nAccept the invite (the link works once, for 7 days):\n%s\n",
			actor.Label, b.Name, role, link)
		if err := s.outbox.Enqueue(ctx, tx, brandID, email, "You're invited to "+b.Name+" on Clout", body); err != nil {
			return err
		}
		return s.audit(tx, brandID, actor, "invite.created", map[string]any{"email": email, "role": string(role)})
	})
	if err != nil {
		return nil, "", err
	}
	return inv, link, nil
}

// PendingInvites lists a brand's invites that can still be accepted.
func (s *Service) PendingInvites(ctx context.Context, brandID string) ([]Invite, error) {
	var out []Invite
	err := s.db.WithContext(ctx).Where("brand_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?",
		brandID, s.now()).Order("created_at DESC").Find(&out).Error
	return out, err
}

// RevokeInvite cancels a pending invite.
func (s *Service) RevokeInvite(ctx context.Context, actor Actor, brandID, id string) error {
	return s.db.WithTx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Invite{}).Where("brand_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL", brandID, id).
			Update("revoked_at", s.now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return s.audit(tx, brandID, actor, "invite.revoked", map[string]any{"invite_id": id})
	})
}

// InviteByToken returns a pending invite and its brand, for the accept page.
func (s *Service) InviteByToken(ctx context.Context, token string) (*Invite, *Brand, error) {
	var inv Invite
	err := s.db.WithContext(ctx).Where("token_hash = ?", auth.HashToken(token)).Take(&inv).Error
	if err != nil || !inv.Pending(s.now()) {
		return nil, nil, ErrInviteInvalid
	}
	b, err := s.Get(ctx, inv.BrandID)
	if err != nil {
		return nil, nil, err
	}
	return &inv, b, nil
}

// AcceptInvite uses an invite once. With userID set, that logged-in user
// joins; otherwise a new account is made from name and password, for the
// invited email. It returns the user who joined.
func (s *Service) AcceptInvite(ctx context.Context, token, userID, name, password string) (*User, *Invite, error) {
	var user User
	var inv Invite
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		// Locked: two acceptances of one link run one after the other, and the second finds it used.
		if err := s.db.ForUpdate(tx).Where("token_hash = ?", auth.HashToken(token)).Take(&inv).Error; err != nil || !inv.Pending(s.now()) {
			return ErrInviteInvalid
		}
		now := s.now()
		if userID != "" {
			if err := tx.Where("id = ?", userID).Take(&user).Error; err != nil {
				return store.Err(err)
			}
			if user.Email != inv.Email {
				return fmt.Errorf("%w: it is for %s and you are logged in as %s; log out, or ask for an invite to your own address",
					ErrInviteOtherEmail, inv.Email, user.Email)
			}
		} else {
			var n int64
			if err := tx.Model(&User{}).Where("email = ?", inv.Email).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return validate.Errors{{Field: "password", Message: "you already have a Clout account with " + inv.Email + ": log in first, then open the invite link again"}}
			}
			if err := auth.CheckPasswordStrength(password, inv.Email); err != nil {
				return passwordError(err)
			}
			hash, err := auth.HashPassword(password)
			if err != nil {
				return err
			}
			user = User{ID: store.NewID("usr"), Email: inv.Email, Name: strings.TrimSpace(name), PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&user).Error; err != nil {
				return err
			}
		}
		// Single use: only the first acceptance flips accepted_at.
		res := tx.Model(&Invite{}).Where("id = ? AND accepted_at IS NULL", inv.ID).Update("accepted_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrInviteInvalid
		}
		err := tx.Create(&Membership{ID: store.NewID("mem"), BrandID: inv.BrandID, UserID: user.ID, Role: inv.Role, CreatedAt: now}).Error
		if store.IsUniqueViolation(err) {
			return ErrAlreadyMember
		}
		if err != nil {
			return err
		}
		return s.audit(tx, inv.BrandID, UserActor(&user, ""), "invite.accepted", map[string]any{"email": user.Email, "role": string(inv.Role)})
	})
	if err != nil {
		return nil, nil, err
	}
	return &user, &inv, nil
}

// ChangeRole changes a member's role. Only owners grant or take away the
// owner role, and the last owner stays an owner.
func (s *Service) ChangeRole(ctx context.Context, actor Actor, actorRole Role, brandID, memberID string, role Role) error {
	if !role.Valid() {
		return validate.Errors{{Field: "role", Message: "choose owner, admin or analyst"}}
	}
	return s.db.WithTx(ctx, func(tx *gorm.DB) error {
		m, err := s.lockedMember(tx, brandID, memberID)
		if err != nil {
			return err
		}
		if !actorRole.CanWrite() || ((m.Role == Owner || role == Owner) && actorRole != Owner) {
			return ErrForbidden
		}
		if m.Role == role {
			return nil
		}
		if m.Role == Owner {
			if err := s.keepAnOwner(tx, brandID); err != nil {
				return err
			}
		}
		if err := tx.Model(m).Update("role", role).Error; err != nil {
			return err
		}
		return s.audit(tx, brandID, actor, "member.role_changed", map[string]any{"member_id": m.ID, "user_id": m.UserID, "from": string(m.Role), "to": string(role)})
	})
}

// RemoveMember takes someone off the team.
func (s *Service) RemoveMember(ctx context.Context, actor Actor, actorRole Role, brandID, memberID string) error {
	return s.db.WithTx(ctx, func(tx *gorm.DB) error {
		m, err := s.lockedMember(tx, brandID, memberID)
		if err != nil {
			return err
		}
		if !actorRole.CanWrite() || (m.Role == Owner && actorRole != Owner) {
			return ErrForbidden
		}
		if m.Role == Owner {
			if err := s.keepAnOwner(tx, brandID); err != nil {
				return err
			}
		}
		if err := tx.Delete(m).Error; err != nil {
			return err
		}
		// Their sessions in this brand end now.
		if err := tx.Table("sessions").Where("user_id = ? AND brand_id = ? AND revoked_at IS NULL", m.UserID, brandID).
			Update("revoked_at", s.now()).Error; err != nil {
			return err
		}
		return s.audit(tx, brandID, actor, "member.removed", map[string]any{"member_id": m.ID, "user_id": m.UserID, "role": string(m.Role)})
	})
}

// lockedMember takes the brand's row lock, so that changes to one brand's
// team happen one at a time (two owners demoting each other at once cannot
// leave the brand without an owner), then loads one of its members.
func (s *Service) lockedMember(tx *gorm.DB, brandID, memberID string) (*Membership, error) {
	var b Brand
	if err := s.db.ForUpdate(tx).Select("id").Where("id = ?", brandID).Take(&b).Error; err != nil {
		return nil, store.Err(err)
	}
	var m Membership
	if err := tx.Where("brand_id = ? AND id = ?", brandID, memberID).Take(&m).Error; err != nil {
		return nil, store.Err(err)
	}
	return &m, nil
}

func (s *Service) keepAnOwner(tx *gorm.DB, brandID string) error {
	var owners int64
	if err := tx.Model(&Membership{}).Where("brand_id = ? AND role = ?", brandID, Owner).Count(&owners).Error; err != nil {
		return err
	}
	if owners <= 1 {
		return ErrLastOwner
	}
	return nil
}

// ErrIsValidation reports whether err is a field validation error.
func ErrIsValidation(err error) bool {
	var v validate.Errors
	return errors.As(err, &v)
}
