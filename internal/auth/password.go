// Package auth holds passwords, session tokens (JWT cookies backed by a
// server-side session row), one-time tokens and login rate limits.
package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/cloutapp/clout/internal/store"
	"golang.org/x/crypto/bcrypt"
)

// BcryptCost is the bcrypt work factor. Tests lower it to bcrypt.MinCost.
var BcryptCost = 12

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// ErrWeakPassword is wrapped by CheckPasswordStrength's errors.
var ErrWeakPassword = errors.New("weak password")

// common holds passwords that meet the length rule but are among the most
// used in public breach lists; they are refused.
var common = map[string]bool{
	"1234567890": true, "0123456789": true, "password12": true, "password123": true, "password1234": true,
	"qwertyuiop": true, "1q2w3e4r5t": true, "1qaz2wsx3edc": true, "iloveyou12": true, "qwerty1234": true,
	"qwerty12345": true, "passw0rd12": true, "letmein123": true, "welcome123": true, "abc1234567": true,
	"administrator": true, "trustno1234": true, "changeme123": true, "football123": true, "sunshine123": true,
}

// CheckPasswordStrength explains why a password is too weak, or returns nil.
func CheckPasswordStrength(pw, email string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return fmt.Errorf("%w: use at least %d characters", ErrWeakPassword, MinPasswordLen)
	case len(pw) > 72:
		return fmt.Errorf("%w: use at most 72 bytes", ErrWeakPassword)
	case strings.Count(pw, string([]rune(pw)[0])) == n:
		return fmt.Errorf("%w: a single repeated character is easy to guess", ErrWeakPassword)
	case common[strings.ToLower(pw)]:
		return fmt.Errorf("%w: this password is among the most common ones", ErrWeakPassword)
	}
	if local, _, ok := strings.Cut(strings.ToLower(email), "@"); ok && len(local) >= 4 && strings.Contains(strings.ToLower(pw), local) {
		return fmt.Errorf("%w: do not include your email address", ErrWeakPassword)
	}
	return nil
}

// HashPassword hashes with bcrypt.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), BcryptCost)
	return string(h), err
}

// dummyHash is compared against when no user exists, so that a missing
// account takes as long to refuse as a wrong password.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("clout-dummy-password"), BcryptCost)
	return h
})

// CheckPassword reports whether pw matches hash. An empty hash never matches
// but costs the same time.
func CheckPassword(hash, pw string) bool {
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(pw))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// NewToken returns a random one-time token and the hash to store for it.
func NewToken() (token, hash string) {
	token = store.RandomString(43)
	return token, HashToken(token)
}

// HashToken is the stored form of a one-time token or API key: SHA-256 hex.
// The tokens carry ~256 random bits, so a fast hash is enough.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
