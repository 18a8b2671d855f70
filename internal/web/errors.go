package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// apiError is an error with the API's JSON shape.
type apiError struct {
	Status  int             `json:"-"`
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Fields  validate.Errors `json:"fields,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func apiErr(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// csrfMessage is shown when a form arrives without a valid CSRF token.
const csrfMessage = "This form could not be verified: its security token is missing or has expired. Go back, reload the page and try again."

var statusCodes = map[int]string{
	400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
	409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "rate_limited",
	500: "internal", 503: "unavailable",
}

// classify maps any error to the API's error shape. Domain errors become HTTP
// statuses here, at the edge, and nowhere else.
func classify(err error) *apiError {
	var ae *apiError
	var he *echo.HTTPError
	var ve validate.Errors
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &ve):
		return &apiError{Status: 422, Code: "invalid", Message: ve.Error(), Fields: ve}
	case errors.Is(err, middleware.ErrCSRFInvalid):
		return &apiError{Status: 403, Code: "csrf", Message: csrfMessage}
	case errors.As(err, &he):
		msg := fmt.Sprint(he.Message)
		if strings.HasPrefix(msg, "missing csrf token") {
			return &apiError{Status: 403, Code: "csrf", Message: csrfMessage}
		}
		if he.Code == http.StatusNotFound && he.Message == echo.ErrNotFound.Message {
			msg = "There is nothing at this address."
		}
		if he.Code == http.StatusRequestEntityTooLarge {
			msg = "The request body is too large."
		}
		return &apiError{Status: he.Code, Code: codeFor(he.Code), Message: msg}
	case errors.Is(err, store.ErrNotFound):
		return &apiError{Status: 404, Code: "not_found", Message: "not found"}
	case errors.Is(err, brand.ErrForbidden):
		return &apiError{Status: 403, Code: "forbidden", Message: err.Error()}
	case errors.Is(err, creator.ErrIllegalTransition):
		return &apiError{Status: 409, Code: "illegal_transition", Message: err.Error()}
	case errors.Is(err, creator.ErrDuplicate):
		return &apiError{Status: 409, Code: "duplicate", Message: err.Error()}
	case errors.Is(err, brand.ErrLastOwner), errors.Is(err, brand.ErrAlreadyMember), errors.Is(err, store.ErrConflict):
		return &apiError{Status: 409, Code: "conflict", Message: err.Error()}
	}
	return &apiError{Status: 500, Code: "internal", Message: "Something went wrong on our side. It has been logged; try again in a moment."}
}

func codeFor(status int) string {
	if c, ok := statusCodes[status]; ok {
		return c
	}
	return "error"
}

type errorView struct {
	Page
	Status    int
	Message   string
	RequestID string
}

func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := classify(err)
	if e.Status >= 500 {
		a.log.ErrorContext(c.Request().Context(), "request failed", "err", err, "path", c.Request().URL.Path,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(e.Status)
		return
	}
	if isAPI(c.Request().URL.Path) {
		_ = c.JSON(e.Status, map[string]any{"error": e})
		return
	}
	title := http.StatusText(e.Status)
	if e.Code == "csrf" {
		title = "Form expired"
	}
	v := errorView{Page: a.page(c, title, ""), Status: e.Status, Message: e.Message,
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
	if rerr := c.Render(e.Status, "error", v); rerr != nil {
		a.log.Error("rendering error page", "err", rerr)
		_ = c.String(e.Status, e.Message)
	}
}
