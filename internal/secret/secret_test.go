package secret

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	b := NewBox(strings.Repeat("k", 32))
	sealed := b.Seal("whsec_abc")
	if strings.Contains(sealed, "whsec_abc") {
		t.Fatal("sealed value contains the plain text")
	}
	if b.Seal("whsec_abc") == sealed {
		t.Fatal("two seals of one value are equal: nonce not random")
	}
	got, err := b.Open(sealed)
	if err != nil || got != "whsec_abc" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if s := b.Seal(""); s != "" {
		t.Fatalf("Seal(\"\") = %q", s)
	}
	other := NewBox(strings.Repeat("j", 32))
	if _, err := other.Open(sealed); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open with another secret: err = %v", err)
	}
	if _, err := b.Open(sealed[:len(sealed)-2] + "AA"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open tampered: err = %v", err)
	}
}

func TestDeriveSeparatesPurposes(t *testing.T) {
	a, b := Derive("m", "jwt"), Derive("m", "brand-secrets/v1")
	if bytes.Equal(a, b) || len(a) != 32 {
		t.Fatal("derived keys must differ per purpose and be 32 bytes")
	}
}
