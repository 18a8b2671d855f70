package brand

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// KeyPrefix starts every API key, so that a leaked key is recognisable.
const KeyPrefix = "clout_"

// ErrBadKey means a missing, unknown or revoked API key.
var ErrBadKey = errors.New("invalid or revoked API key")

func (s *Service) newAPIKey(brandID, name string, createdBy *string) (*APIKey, string) {
	plain := KeyPrefix + store.RandomString(40)
	return &APIKey{ID: store.NewID("key"), BrandID: brandID, Name: name, Prefix: plain[:len(KeyPrefix)+6],
		KeyHash: auth.HashToken(plain), CreatedBy: createdBy, CreatedAt: s.now()}, plain
}

// CreateAPIKey makes a key and returns it with its plain text, shown once.
func (s *Service) CreateAPIKey(ctx context.Context, actor Actor, brandID, name string) (*APIKey, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 80 {
		return nil, "", validate.Errors{{Field: "name", Message: "name the key (1 to 80 characters), e.g. \"Shopify sync\""}}
	}
	var by *string
	if actor.Type == "user" {
		by = &actor.ID
	}
	key, plain := s.newAPIKey(brandID, name, by)
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(key).Error; err != nil {
			return err
		}
		return s.audit(tx, brandID, actor, "api_key.created", map[string]any{"name": name, "prefix": key.Prefix})
	})
	if err != nil {
		return nil, "", err
	}
	return key, plain, nil
}

// APIKeys lists a brand's keys, newest first, revoked ones included.
func (s *Service) APIKeys(ctx context.Context, brandID string) ([]APIKey, error) {
	var ks []APIKey
	err := s.db.WithContext(ctx).Where("brand_id = ?", brandID).Order("created_at DESC").Find(&ks).Error
	return ks, err
}

// APIKey returns one of the brand's keys; another brand's key is ErrNotFound.
func (s *Service) APIKey(ctx context.Context, brandID, id string) (*APIKey, error) {
	var k APIKey
	if err := s.db.WithContext(ctx).Where("brand_id = ? AND id = ?", brandID, id).Take(&k).Error; err != nil {
		return nil, store.Err(err)
	}
	return &k, nil
}

// RevokeAPIKey revokes one of the brand's keys at once. Revoking a revoked key
// changes nothing.
func (s *Service) RevokeAPIKey(ctx context.Context, actor Actor, brandID, id string) (*APIKey, error) {
	var out *APIKey
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		var k APIKey
		if err := tx.Where("brand_id = ? AND id = ?", brandID, id).Take(&k).Error; err != nil {
			return store.Err(err)
		}
		out = &k
		if k.RevokedAt != nil {
			return nil
		}
		now := s.now()
		k.RevokedAt = &now
		if err := tx.Model(&k).Update("revoked_at", now).Error; err != nil {
			return err
		}
		return s.audit(tx, brandID, actor, "api_key.revoked", map[string]any{"name": k.Name, "prefix": k.Prefix})
	})
	return out, err
}

// lastUsedEvery limits how often a key's last use is written.
const lastUsedEvery = time.Minute

// AuthenticateKey finds the live key for a bearer token.
func (s *Service) AuthenticateKey(ctx context.Context, plain string) (*APIKey, error) {
	if !strings.HasPrefix(plain, KeyPrefix) {
		return nil, ErrBadKey
	}
	var k APIKey
	err := s.db.WithContext(ctx).Where("key_hash = ? AND revoked_at IS NULL", auth.HashToken(plain)).Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrBadKey
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > lastUsedEvery {
		k.LastUsedAt = &now
		if err := s.db.WithContext(ctx).Model(&APIKey{}).Where("id = ?", k.ID).Update("last_used_at", now).Error; err != nil {
			s.log.WarnContext(ctx, "recording API key use", "err", err)
		}
	}
	return &k, nil
}
