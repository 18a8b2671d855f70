package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Context keys.
const (
	csrfKey      = "csrf"
	principalKey = "principal"
	apiKeyKey    = "api_key"
)

// SessionCookie holds the signed session token.
const SessionCookie = "clout_session"

// principal is the logged-in team member and the brand they work in.
type principal struct {
	Session *auth.Session
	User    *brand.User
	Brand   *brand.Brand
	Role    brand.Role
	Brands  []brand.BrandMembership
}

func (a *App) requestLogger() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		// Redirects are not logged one by one: the hot path does no I/O.
		// Their clicks are the record.
		Skipper: func(c echo.Context) bool { return isRedirect(c) && c.Response().Status < 500 },
		// The route pattern, not the path: paths such as /reset/<token> carry secrets.
		LogStatus: true, LogRoutePath: true, LogMethod: true, LogLatency: true, LogRequestID: true,
		LogRemoteIP: true, LogError: true, HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method), slog.String("route", v.RoutePath), slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency), slog.String("request_id", v.RequestID), slog.String("ip", v.RemoteIP),
			}
			if v.Error != nil && v.Status >= 500 {
				attrs = append(attrs, slog.String("err", v.Error.Error()))
			}
			a.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}

func (a *App) logPanic(c echo.Context, err error, stack []byte) error {
	a.log.Error("panic recovered", "err", err, "path", c.Request().URL.Path,
		"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "stack", string(stack))
	return err
}

// securityHeaders sets CSP, framing, sniffing and referrer policies, and HSTS
// when Clout is served over https.
// hstsMaxAge is a year.
const hstsMaxAge = 31536000

func securityHeaders(https bool) echo.MiddlewareFunc {
	cfg := middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ReferrerPolicy:        "strict-origin-when-cross-origin",
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
	}
	if https {
		cfg.HSTSMaxAge = hstsMaxAge
	}
	// A 302 has no page to protect; it keeps nosniff and HSTS only.
	pages := middleware.SecureWithConfig(cfg)
	redirects := middleware.SecureWithConfig(middleware.SecureConfig{ContentTypeNosniff: "nosniff", HSTSMaxAge: cfg.HSTSMaxAge})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		p, r := pages(next), redirects(next)
		return func(c echo.Context) error {
			if isRedirect(c) {
				return r(c)
			}
			return p(c)
		}
	}
}

// fetchMetadata refuses state-changing requests that a browser marks as sent
// from another site, then leaves the token check to the CSRF middleware.
// (echo's CSRF middleware would otherwise accept a same-origin request with no
// token at all; Clout wants the token on every form.)
func fetchMetadata(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		site := r.Header.Get("Sec-Fetch-Site")
		if site != "" {
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
			default:
				if site == "cross-site" || site == "same-site" {
					return echo.NewHTTPError(http.StatusForbidden, "cross-site form submission refused")
				}
			}
			r.Header.Del("Sec-Fetch-Site")
		}
		return next(c)
	}
}

// ipExtractor reads X-Forwarded-For only when the peer is a trusted proxy.
func ipExtractor(proxies []netip.Prefix) echo.IPExtractor {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		n := netipToIPNet(p)
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// loadSession puts the principal in the context when a valid session cookie
// is present. It never refuses a request; requireLogin does.
func (a *App) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(SessionCookie)
		if err != nil || ck.Value == "" {
			return next(c)
		}
		p, err := a.principalFor(c.Request().Context(), ck.Value)
		if err != nil {
			if !errors.Is(err, auth.ErrNoSession) {
				return err
			}
			a.clearSessionCookie(c)
			return next(c)
		}
		c.Set(principalKey, p)
		return next(c)
	}
}

func (a *App) principalFor(ctx context.Context, token string) (*principal, error) {
	sess, err := a.sessions.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	user, err := a.brands.User(ctx, sess.UserID)
	if err != nil {
		return nil, auth.ErrNoSession
	}
	brands, err := a.brands.Memberships(ctx, user.ID)
	if err != nil {
		return nil, err
	}
	var role brand.Role
	for _, m := range brands {
		if m.BrandID == sess.BrandID {
			role = m.Role
		}
	}
	if role == "" {
		// Removed from the session's brand: no access through this session.
		return nil, auth.ErrNoSession
	}
	b, err := a.brands.Get(ctx, sess.BrandID)
	if err != nil {
		return nil, err
	}
	return &principal{Session: sess, User: user, Brand: b, Role: role, Brands: brands}, nil
}

func currentPrincipal(c echo.Context) *principal {
	p, _ := c.Get(principalKey).(*principal)
	return p
}

func (a *App) requireLogin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentPrincipal(c) == nil {
			if c.Request().Method == http.MethodGet {
				return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(safeNext(c.Request().URL.RequestURI())))
			}
			setFlash(c, flashError, "Your session has ended. Log in again.")
			return c.Redirect(http.StatusSeeOther, "/login")
		}
		return next(c)
	}
}

// requireWrite refuses analysts, who are read-only everywhere.
func requireWrite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p := currentPrincipal(c); p == nil || !p.Role.CanWrite() {
			return echo.NewHTTPError(http.StatusForbidden, "Your role (analyst) is read-only. Ask an owner or admin to make this change.")
		}
		return next(c)
	}
}

func requireOwner(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p := currentPrincipal(c); p == nil || p.Role != brand.Owner {
			return echo.NewHTTPError(http.StatusForbidden, "Only the brand's owners can see this page.")
		}
		return next(c)
	}
}

// apiAuth authenticates the bearer API key; the brand comes from the key, never the URL.
func (a *App) apiAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="clout"`)
			return apiErr(http.StatusUnauthorized, "unauthorized", "send your API key as 'Authorization: Bearer <key>'")
		}
		key, err := a.brands.AuthenticateKey(c.Request().Context(), strings.TrimSpace(token))
		if errors.Is(err, brand.ErrBadKey) {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="clout", error="invalid_token"`)
			return apiErr(http.StatusUnauthorized, "unauthorized", "the API key is invalid or has been revoked")
		}
		if err != nil {
			return err
		}
		c.Set(apiKeyKey, key)
		return next(c)
	}
}

func currentKey(c echo.Context) *brand.APIKey {
	k, _ := c.Get(apiKeyKey).(*brand.APIKey)
	return k
}

// safeNext keeps a post-login redirect on this site: a path that parses with
// no scheme or host, without backslashes or control characters (browsers
// drop tabs and newlines, so "/\t/evil.test" would become "//evil.test").
func safeNext(next string) string {
	const fallback = "/dashboard"
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\") {
		return fallback
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	return next
}
