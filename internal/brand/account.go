package brand

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// Authenticate checks an email and password. Unknown emails and wrong
// passwords give the same error and take the same time.
func (s *Service) Authenticate(ctx context.Context, email, password string) (*User, error) {
	email, _ = validate.Email(email)
	var u User
	err := s.db.WithContext(ctx).Where("email = ?", email).Take(&u).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, err
	}
	if !auth.CheckPassword(u.PasswordHash, password) {
		return nil, ErrInvalidCredentials
	}
	return &u, nil
}

// RequestPasswordReset queues a reset link for the account with that email.
// It says nothing about whether the account exists.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	email, ok := validate.Email(email)
	if !ok {
		return validate.Errors{{Field: "email", Message: "enter a valid email address"}}
	}
	var u User
	err := s.db.WithContext(ctx).Where("email = ?", email).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	token, hash := auth.NewToken()
	now := s.now()
	link := s.baseURL + "/reset/" + token
	return s.db.WithTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&PasswordReset{ID: store.NewID("pwr"), UserID: u.ID, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(ResetTTL)}).Error; err != nil {
			return err
		}
		body := fmt.Sprintf("Someone asked to reset the password of your Clout account.\n\nChoose a new password (the link works once, for one hour):\n%s\n\nIf it was not you, ignore this email.\n", link)
		return s.outbox.Enqueue(ctx, tx, "", u.Email, "Reset your Clout password", body)
	})
}

// ResetPassword uses a reset token once, sets a new password, and in the same
// transaction ends the user's sessions and other pending reset links.
func (s *Service) ResetPassword(ctx context.Context, token, password string) (*User, error) {
	var u User
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		var r PasswordReset
		now := s.now()
		if err := tx.Where("token_hash = ?", auth.HashToken(token)).Take(&r).Error; err != nil || r.UsedAt != nil || !now.Before(r.ExpiresAt) {
			return ErrResetInvalid
		}
		if err := tx.Where("id = ?", r.UserID).Take(&u).Error; err != nil {
			return store.Err(err)
		}
		if err := auth.CheckPasswordStrength(password, u.Email); err != nil {
			return passwordError(err)
		}
		hash, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		res := tx.Model(&PasswordReset{}).Where("id = ? AND used_at IS NULL", r.ID).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrResetInvalid
		}
		// Every other pending link of this user dies too, and so does every
		// session: with the old password, whoever held them is out.
		if err := tx.Model(&PasswordReset{}).Where("user_id = ? AND used_at IS NULL", u.ID).Update("used_at", now).Error; err != nil {
			return err
		}
		if err := tx.Table("sessions").Where("user_id = ? AND revoked_at IS NULL", u.ID).Update("revoked_at", now).Error; err != nil {
			return err
		}
		u.PasswordHash, u.UpdatedAt = hash, now
		if err := tx.Model(&u).Updates(map[string]any{"password_hash": hash, "updated_at": now}).Error; err != nil {
			return err
		}
		var ms []Membership
		if err := tx.Where("user_id = ?", u.ID).Find(&ms).Error; err != nil {
			return err
		}
		for _, m := range ms {
			if err := s.audit(tx, m.BrandID, UserActor(&u, ""), "user.password_reset", nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}
