// Package validate collects field errors so that a form can show each beside
// its field and the API can name the field at fault.
package validate

import (
	"fmt"
	"net/mail"
	"strings"
)

// FieldError is one field's problem.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Errors is a list of field errors; nil or empty means valid.
type Errors []FieldError

// Add records a problem with a field.
func (e *Errors) Add(field, format string, args ...any) {
	*e = append(*e, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns e as an error, or nil when there is nothing in it.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Error joins the problems as "field: message; field: message".
func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, f := range e {
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, "; ")
}

// Map gives the first message per field, for templates.
func (e Errors) Map() map[string]string {
	m := make(map[string]string, len(e))
	for _, f := range e {
		if _, ok := m[f.Field]; !ok {
			m[f.Field] = f.Message
		}
	}
	return m
}

// Email normalises an email address (trimmed, lower-cased) and reports
// whether it is a plain address such as name@example.com.
func Email(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 254 {
		return s, false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return s, false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") {
		return s, false
	}
	return s, true
}
