// Package nullable holds Value, a JSON field that tells "absent" from
// "null": a PATCH-style body leaves an absent field as it is, clears it on
// null, and sets it on a value. A plain pointer cannot tell the first two
// apart.
package nullable

import (
	"bytes"
	"encoding/json"
)

// Value is one optional, nullable field. The zero Value is absent.
type Value[T any] struct {
	// Set is true when the field was given, null or not.
	Set bool
	// V is the value given; nil for null.
	V *T
}

// Of is a Value set to v.
func Of[T any](v T) Value[T] { return Value[T]{Set: true, V: &v} }

// Null is a Value set to null.
func Null[T any]() Value[T] { return Value[T]{Set: true} }

// UnmarshalJSON records that the field was present; encoding/json calls it
// for a JSON null too (Value is not a pointer), and not at all when the
// field is absent.
func (n *Value[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		n.V = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	n.V = &v
	return nil
}

// MarshalJSON writes the value, or null when it is null or absent.
func (n Value[T]) MarshalJSON() ([]byte, error) {
	if n.V == nil {
		return []byte("null"), nil
	}
	return json.Marshal(*n.V)
}
