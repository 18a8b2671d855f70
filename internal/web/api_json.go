package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// decodeJSON reads exactly one JSON object into dst, refusing unknown fields,
// wrong types and trailing data with a 400 that says what is wrong.
func decodeJSON(c echo.Context, dst any) error {
	_, err := decodeJSONRaw(c, dst, false)
	return err
}

// decodeJSONRaw is decodeJSON that also returns the body as it came, for
// handlers that keep it (keep is true).
func decodeJSONRaw(c echo.Context, dst any, keep bool) ([]byte, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return nil, apiErr(http.StatusUnsupportedMediaType, "unsupported_media_type", "send a JSON body with Content-Type: application/json")
	}
	var body io.Reader = c.Request().Body
	var raw []byte
	if keep {
		var err error
		if raw, err = io.ReadAll(body); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, apiErr(http.StatusRequestEntityTooLarge, "too_large", "the request body is too large")
			}
			return nil, err
		}
		body = bytes.NewReader(raw)
	}
	return raw, decodeBody(body, dst)
}

func decodeBody(body io.Reader, dst any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		return apiErr(http.StatusBadRequest, "malformed_json", "the request body is empty; send a JSON object")
	case errors.As(err, &tooBig):
		return apiErr(http.StatusRequestEntityTooLarge, "too_large", "the request body is too large")
	case errors.As(err, &syn):
		return apiErr(http.StatusBadRequest, "malformed_json", "the body is not valid JSON (at byte %d): %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return apiErr(http.StatusBadRequest, "malformed_json", "the body must be a JSON object")
		}
		return apiErr(http.StatusBadRequest, "malformed_json", "field %q must be %s, not %s", field, jsonKind(typ.Type.String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return apiErr(http.StatusBadRequest, "unknown_field", "%s is not a field this endpoint accepts", strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apiErr(http.StatusBadRequest, "malformed_json", "the body ends in the middle of the JSON")
	default:
		return apiErr(http.StatusBadRequest, "malformed_json", "the body is not valid JSON: %v", err)
	}
	if dec.More() {
		return apiErr(http.StatusBadRequest, "malformed_json", "send a single JSON object, with nothing after it")
	}
	return nil
}

func jsonKind(goType string) string {
	t := strings.TrimLeft(goType, "*")
	switch {
	case strings.HasPrefix(t, "int"):
		return "an integer"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case t == "bool":
		return "true or false"
	}
	return fmt.Sprintf("a %s", t)
}
