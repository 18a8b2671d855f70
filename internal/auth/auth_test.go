package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
)

func init() { BcryptCost = bcrypt.MinCost }

func seedUser(t *testing.T, db *store.DB) (userID, brandID string) {
	t.Helper()
	now := store.Now()
	userID, brandID = store.NewID("usr"), store.NewID("br")
	if err := db.Exec("INSERT INTO brands (id, name, slug, currency, created_at, updated_at) VALUES (?, 'B', ?, 'USD', ?, ?)", brandID, brandID, now, now).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("INSERT INTO users (id, email, password_hash, created_at, updated_at) VALUES (?, ?, 'x', ?, ?)", userID, userID+"@x.test", now, now).Error; err != nil {
		t.Fatal(err)
	}
	return userID, brandID
}

func TestSessionTokens(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		master := strings.Repeat("m", 32)
		s := NewSessions(db, master)
		ctx := context.Background()
		uid, bid := seedUser(t, db)
		tok, sess, err := s.Create(ctx, uid, bid, "127.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Verify(ctx, tok); err != nil || got.ID != sess.ID {
			t.Fatalf("Verify = %v, %v", got, err)
		}
		sign := func(method jwt.SigningMethod, key any, mutate func(*Claims)) string {
			c := Claims{SessionID: sess.ID, RegisteredClaims: jwt.RegisteredClaims{Issuer: Issuer, Subject: uid,
				Audience: jwt.ClaimStrings{Audience}, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}}
			mutate(&c)
			out, err := jwt.NewWithClaims(method, c).SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		key := secret.Derive(master, "session-jwt/v1")
		bad := map[string]string{
			"alg none":        sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, func(*Claims) {}),
			"HS512":           sign(jwt.SigningMethodHS512, key, func(*Claims) {}),
			"other key":       sign(jwt.SigningMethodHS256, []byte("another key entirely, 32 bytes!!"), func(*Claims) {}),
			"wrong issuer":    sign(jwt.SigningMethodHS256, key, func(c *Claims) { c.Issuer = "evil" }),
			"wrong audience":  sign(jwt.SigningMethodHS256, key, func(c *Claims) { c.Audience = jwt.ClaimStrings{"portal"} }),
			"no exp":          sign(jwt.SigningMethodHS256, key, func(c *Claims) { c.ExpiresAt = nil }),
			"expired":         sign(jwt.SigningMethodHS256, key, func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Minute)) }),
			"other user":      sign(jwt.SigningMethodHS256, key, func(c *Claims) { c.Subject = "usr_someoneelse" }),
			"unknown session": sign(jwt.SigningMethodHS256, key, func(c *Claims) { c.SessionID = "ses_nope" }),
			"garbage":         "not.a.jwt",
		}
		for name, tok := range bad {
			if _, err := s.Verify(ctx, tok); !errors.Is(err, ErrNoSession) {
				t.Errorf("%s: err = %v, want ErrNoSession", name, err)
			}
		}
		// A well-formed token for the session works until the session is revoked.
		good := sign(jwt.SigningMethodHS256, key, func(*Claims) {})
		if _, err := s.Verify(ctx, good); err != nil {
			t.Fatalf("hand-made good token: %v", err)
		}
		tok2, _, _ := s.Create(ctx, uid, bid, "", "")
		if err := s.Revoke(ctx, sess.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Verify(ctx, tok); !errors.Is(err, ErrNoSession) {
			t.Fatalf("revoked: %v", err)
		}
		if _, err := s.Verify(ctx, tok2); err != nil {
			t.Fatalf("other session after revoking one: %v", err)
		}
		if n, err := s.RevokeAll(ctx, uid); err != nil || n != 1 {
			t.Fatalf("RevokeAll = %d, %v", n, err)
		}
		if _, err := s.Verify(ctx, tok2); !errors.Is(err, ErrNoSession) {
			t.Fatalf("after RevokeAll: %v", err)
		}
	})
}

func TestPasswords(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "correct horse battery") || CheckPassword(h, "Correct horse battery") || CheckPassword("", "") {
		t.Fatal("CheckPassword")
	}
	for pw, bad := range map[string]bool{"short": true, "aaaaaaaaaaaa": true, "password123": true, strings.Repeat("x", 73) + "y": true,
		"jane.doe-secret-1": true, "violet-harbor-2931": false} {
		err := CheckPasswordStrength(pw, "jane.doe@example.com")
		if (err != nil) != bad || (err != nil && !errors.Is(err, ErrWeakPassword)) {
			t.Errorf("%q: err = %v, want weak=%v", pw, err, bad)
		}
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := NewLimiter(3, time.Minute)
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("k"); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	ok, wait := l.Allow("k")
	if ok || wait != time.Minute {
		t.Fatalf("4th: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.Allow("other"); !ok {
		t.Fatal("keys are not independent")
	}
	now = now.Add(time.Minute)
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("window did not reset")
	}
	l.Reset("k")
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("k"); !ok {
			t.Fatal("Reset did not clear the count")
		}
	}
}
