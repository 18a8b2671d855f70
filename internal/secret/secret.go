// Package secret derives purpose-bound keys from CLOUT_SECRET and encrypts the
// brand secrets Clout stores (webhook signing secrets, Stripe keys).
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Derive returns a 32-byte key for one purpose, so that no two uses of
// CLOUT_SECRET share a key.
func Derive(master, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, []byte(master), nil, "clout/"+purpose, 32)
	if err != nil {
		panic(err) // only for lengths hkdf cannot produce
	}
	return k
}

// Box seals short strings with AES-256-GCM.
type Box struct{ aead cipher.AEAD }

// ErrCorrupt is returned when a sealed value cannot be opened (wrong
// CLOUT_SECRET, or damaged data).
var ErrCorrupt = errors.New("secret: cannot decrypt value (was CLOUT_SECRET changed?)")

const prefix = "v1:"

// NewBox returns a Box keyed from the master secret.
func NewBox(master string) *Box {
	block, err := aes.NewCipher(Derive(master, "brand-secrets/v1"))
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &Box{aead: aead}
}

// Seal encrypts plain; the empty string stays empty (no secret set).
func (b *Box) Seal(plain string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	out := b.aead.Seal(nonce, nonce, []byte(plain), []byte(prefix))
	return prefix + base64.RawStdEncoding.EncodeToString(out)
}

// Open decrypts a value made by Seal.
func (b *Box) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", ErrCorrupt
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", ErrCorrupt
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(prefix))
	if err != nil {
		return "", fmt.Errorf("%w", ErrCorrupt)
	}
	return string(plain), nil
}
