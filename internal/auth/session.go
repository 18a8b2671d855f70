package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"github.com/golang-jwt/jwt/v5"
	"gorm.io/gorm"
)

const (
	// Issuer and Audience are checked on every session token.
	Issuer   = "clout"
	Audience = "clout-admin"
	// SessionTTL is how long a login lasts.
	SessionTTL = 14 * 24 * time.Hour
)

// ErrNoSession means the token is missing, forged, expired or revoked.
var ErrNoSession = errors.New("no valid session")

// Session is a server-side login, referenced by the JWT's sid claim.
type Session struct {
	ID        string `gorm:"primaryKey"`
	UserID    string
	BrandID   string
	IP        string
	UserAgent string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// Claims are the session cookie's JWT claims.
type Claims struct {
	SessionID string `json:"sid"`
	jwt.RegisteredClaims
}

// Signer signs and checks the HS256 session tokens of one audience (brand
// teams, or creators in the portal) with a key of its own.
type Signer struct {
	key      []byte
	audience string
	now      func() time.Time
}

// NewSigner keys a signer for purpose from the master secret.
func NewSigner(master, purpose, audience string) Signer {
	return Signer{key: secret.Derive(master, purpose), audience: audience, now: store.Now}
}

// Sign makes a token naming session sid of subject sub.
func (s Signer) Sign(sid, sub string, issued, expires time.Time) (string, error) {
	claims := Claims{SessionID: sid, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: Issuer, Subject: sub, Audience: jwt.ClaimStrings{s.audience},
		IssuedAt: jwt.NewNumericDate(issued), ExpiresAt: jwt.NewNumericDate(expires),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.key)
}

// Parse checks a token (HS256 only, exp required, issuer and audience
// checked) and returns its session id and subject. The caller then checks
// that the session row is live.
func (s Signer) Parse(token string) (sid, sub string, err error) {
	var claims Claims
	_, err = jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return s.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired(),
		jwt.WithIssuer(Issuer), jwt.WithAudience(s.audience), jwt.WithTimeFunc(s.now))
	if err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrNoSession, err)
	}
	return claims.SessionID, claims.Subject, nil
}

// Sessions signs brand team session tokens and keeps their rows.
type Sessions struct {
	db     *store.DB
	signer Signer
	now    func() time.Time
}

// NewSessions keys token signing from the master secret.
func NewSessions(db *store.DB, master string) *Sessions {
	return &Sessions{db: db, signer: NewSigner(master, "session-jwt/v1", Audience), now: store.Now}
}

// Create stores a session and returns its signed token.
func (s *Sessions) Create(ctx context.Context, userID, brandID, ip, ua string) (string, *Session, error) {
	now := s.now()
	sess := &Session{ID: store.NewID("ses"), UserID: userID, BrandID: brandID, IP: ip, UserAgent: truncate(ua, 300),
		CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if err := s.db.WithContext(ctx).Create(sess).Error; err != nil {
		return "", nil, fmt.Errorf("auth: creating session: %w", err)
	}
	tok, err := s.signer.Sign(sess.ID, sess.UserID, sess.CreatedAt, sess.ExpiresAt)
	return tok, sess, err
}

// Verify checks a token and that its session is neither revoked nor expired.
func (s *Sessions) Verify(ctx context.Context, token string) (*Session, error) {
	sid, sub, err := s.signer.Parse(token)
	if err != nil {
		return nil, err
	}
	var sess Session
	err = s.db.WithContext(ctx).Where("id = ? AND user_id = ?", sid, sub).Take(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("%w: unknown session", ErrNoSession)
	}
	if err != nil {
		return nil, err
	}
	if sess.RevokedAt != nil || !s.now().Before(sess.ExpiresAt) {
		return nil, fmt.Errorf("%w: session revoked or expired", ErrNoSession)
	}
	return &sess, nil
}

// Revoke ends one session.
func (s *Sessions) Revoke(ctx context.Context, id string) error {
	return s.db.WithContext(ctx).Model(&Session{}).Where("id = ? AND revoked_at IS NULL", id).
		Update("revoked_at", s.now()).Error
}

// RevokeAll ends every session of a user ("log out everywhere", password reset).
func (s *Sessions) RevokeAll(ctx context.Context, userID string) (int64, error) {
	res := s.db.WithContext(ctx).Model(&Session{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Update("revoked_at", s.now())
	return res.RowsAffected, res.Error
}

// SwitchBrand changes the brand a session works in. The caller checks the
// user's membership first.
func (s *Sessions) SwitchBrand(ctx context.Context, id, brandID string) error {
	return s.db.WithContext(ctx).Model(&Session{}).Where("id = ?", id).Update("brand_id", brandID).Error
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
