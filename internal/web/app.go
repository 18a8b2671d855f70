// Package web is Clout's HTTP edge: echo setup, middleware, routes, the
// template renderer and one file per page or action. Domain errors are mapped
// to HTTP here and nowhere else.
package web

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/click"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/config"
	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/export"
	"github.com/cloutapp/clout/internal/fraud"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/report"
	"github.com/cloutapp/clout/internal/store"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// App holds what handlers need.
type App struct {
	cfg      *config.Config
	db       *store.DB
	brands   *brand.Service
	creators *creator.Service
	links    *link.Service
	codes    *coupon.Service
	orders   *order.Service
	catalog  *commission.CatalogService
	plans    *commission.Plans
	ledger   *commission.Ledger
	payouts  *payout.Service
	// reports answers the dashboard, scorecards and portal charts.
	reports *report.Service
	// fraud finds signals and keeps holds; exports writes CSV downloads.
	fraud    *fraud.Service
	exports  *export.Service
	resolver *link.Resolver
	clicks   *click.Writer
	sessions *auth.Sessions
	outbox   *mail.Outbox
	log      *slog.Logger
	render   *renderer
	// payoutRuns are background payout executions (stopped at shutdown).
	payoutRuns payoutRuns
	// hookBrands caches brands for webhook deliveries.
	hookBrands webhookBrands

	// Login attempts: per client IP and per account email.
	ipLimiter      *auth.Limiter
	accountLimiter *auth.Limiter
}

// Deps are the services the web layer is built on.
type Deps struct {
	Config   *config.Config
	DB       *store.DB
	Brands   *brand.Service
	Creators *creator.Service
	Links    *link.Service
	Codes    *coupon.Service
	Orders   *order.Service
	Catalog  *commission.CatalogService
	Plans    *commission.Plans
	Ledger   *commission.Ledger
	Payouts  *payout.Service
	Reports  *report.Service
	Fraud    *fraud.Service
	Exports  *export.Service
	Resolver *link.Resolver
	Clicks   *click.Writer
	Sessions *auth.Sessions
	Outbox   *mail.Outbox
	Log      *slog.Logger
}

// Login rate limits.
const (
	LoginPerIP      = 30
	LoginPerAccount = 10
	LoginWindow     = 15 * time.Minute
)

// New builds the app.
func New(d Deps) (*App, error) {
	r, err := newRenderer()
	if err != nil {
		return nil, err
	}
	return &App{cfg: d.Config, db: d.DB, brands: d.Brands, creators: d.Creators, sessions: d.Sessions, outbox: d.Outbox, log: d.Log,
		links: d.Links, codes: d.Codes, orders: d.Orders, catalog: d.Catalog, plans: d.Plans, ledger: d.Ledger, payouts: d.Payouts, reports: d.Reports, resolver: d.Resolver, clicks: d.Clicks,
		fraud: d.Fraud, exports: d.Exports,
		render:         r,
		ipLimiter:      auth.NewLimiter(LoginPerIP, LoginWindow),
		accountLimiter: auth.NewLimiter(LoginPerAccount, LoginWindow),
	}, nil
}

// Handler returns the echo instance with every route.
func (a *App) Handler() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Renderer = a.render
	e.HTTPErrorHandler = a.handleError
	e.IPExtractor = ipExtractor(a.cfg.Proxies())

	// Short links are answered before routing (see shortLinks).
	e.Pre(a.shortLinks)
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	// The redirect hot path skips what it does not need: request ids, the
	// request log, page security headers, body limits and gzip. It keeps
	// panic recovery.
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{TargetHeader: echo.HeaderXRequestID, Skipper: isRedirect}))
	e.Use(a.requestLogger())
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: a.logPanic}))
	e.Use(securityHeaders(a.cfg.SecureCookies()))
	// CSV uploads may be larger than other bodies; both limits apply before
	// any form is parsed (the CSRF check reads the form).
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "2M", Skipper: func(c echo.Context) bool {
		return isRedirect(c) || isUpload(c)
	}}))
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "11M", Skipper: func(c echo.Context) bool {
		return !isUpload(c)
	}}))
	// Small replies (webhook acknowledgements, API errors) are not worth compressing.
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{MinLength: 1024, Skipper: func(c echo.Context) bool {
		return c.Path() == "/healthz" || isRedirect(c)
	}}))

	e.GET("/healthz", a.healthz)
	e.GET("/static/*", staticHandler())
	e.GET("/api/openapi.json", a.openAPI)
	// Webhooks authenticate by signature, not by session or CSRF token.
	e.POST("/webhooks/shopify/:brand_id", a.webhookShopify)
	e.POST("/webhooks/stripe/:brand_id", a.webhookStripe)

	a.pageRoutes(e)
	a.apiRoutes(e)
	// Short links: any other single path segment. Static routes win over
	// this parameter route, so /login and friends are never slugs.
	e.GET(redirectRoute, a.redirect)
	e.HEAD(redirectRoute, a.redirect)
	return e
}

const redirectRoute = "/:slug"

func isRedirect(c echo.Context) bool { return c.Path() == redirectRoute }

// isUpload: the CSV order upload, whose body limit is larger.
func isUpload(c echo.Context) bool {
	if c.Request().Method != http.MethodPost {
		return false
	}
	switch c.Path() {
	case "/orders/import", "/products/import", "/products/import/confirm":
		return true
	}
	return false
}

func (a *App) pageRoutes(e *echo.Echo) {
	csrf := middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf,header:X-CSRF-Token",
		CookieName:     "clout_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteLaxMode,
		CookieSecure:   a.cfg.SecureCookies(),
		ContextKey:     csrfKey,
	})
	pages := e.Group("", fetchMetadata, csrf, a.loadSession)

	pages.GET("/", a.home)
	pages.GET("/signup", a.signupForm)
	pages.POST("/signup", a.signup)
	pages.GET("/login", a.loginForm)
	pages.POST("/login", a.login)
	pages.GET("/forgot", a.forgotForm)
	pages.POST("/forgot", a.forgot)
	pages.GET("/reset/:token", a.resetForm)
	pages.POST("/reset/:token", a.reset)
	pages.GET("/invite/:token", a.inviteForm)
	pages.POST("/invite/:token", a.inviteAccept)
	pages.GET("/join/:slug", a.joinForm)
	pages.POST("/join/:slug", a.join)
	pages.GET("/creator-invite/:token", a.creatorInviteForm)
	pages.POST("/creator-invite/:token", a.creatorInviteAccept)
	a.portalRoutes(pages)

	in := pages.Group("", a.requireLogin)
	in.POST("/logout", a.logout)
	in.POST("/logout-everywhere", a.logoutEverywhere)
	in.POST("/switch-brand", a.switchBrand)
	in.GET("/dashboard", a.dashboard)
	in.GET("/scorecards", a.scorecards)
	in.GET("/creators/:id/scorecard", a.creatorScorecard)
	in.GET("/account", a.account)
	in.GET("/settings", a.settingsForm)
	in.POST("/settings", a.settingsSave, requireWrite)
	in.GET("/team", a.team)
	in.POST("/team/invites", a.teamInvite, requireWrite)
	in.POST("/team/invites/:id/revoke", a.teamInviteRevoke, requireWrite)
	in.POST("/team/members/:id/role", a.teamMemberRole, requireWrite)
	in.POST("/team/members/:id/remove", a.teamMemberRemove, requireWrite)
	in.GET("/settings/api-keys", a.apiKeys)
	in.POST("/settings/api-keys", a.apiKeyCreate, requireWrite)
	in.POST("/settings/api-keys/:id/revoke", a.apiKeyRevoke, requireWrite)
	in.GET("/creators", a.creatorList)
	in.GET("/creators/new", a.creatorNewForm, requireWrite)
	in.POST("/creators/new", a.creatorNew, requireWrite)
	in.GET("/creators/applications", a.applications)
	in.POST("/creators/applications/decide", a.applicationsDecide, requireWrite)
	in.GET("/creators/:id", a.creatorDetail)
	in.POST("/creators/:id", a.creatorEdit, requireWrite)
	in.POST("/creators/:id/status", a.creatorStatus, requireWrite)
	in.POST("/creators/:id/links", a.creatorLinkCreate, requireWrite)
	in.POST("/creators/:id/links/:link/status", a.creatorLinkStatus, requireWrite)
	in.POST("/creators/:id/codes", a.creatorCodeCreate, requireWrite)
	in.POST("/creators/issue", a.creatorsIssue, requireWrite)
	in.GET("/orders", a.orderList)
	in.GET("/orders/import", a.orderImportForm, requireWrite)
	in.POST("/orders/import", a.orderImportUpload, requireWrite)
	in.GET("/orders/import/:id", a.orderImportShow, requireWrite)
	in.POST("/orders/import/:id", a.orderImportStart, requireWrite)
	in.GET("/orders/import/:id/progress", a.orderImportProgress, requireWrite)
	in.GET("/orders/:id", a.orderDetail)
	in.GET("/products", a.productList)
	in.POST("/products", a.productSave, requireWrite)
	in.POST("/products/import", a.productImportPreview, requireWrite)
	in.POST("/products/import/confirm", a.productImportConfirm, requireWrite)
	in.POST("/orders/:id/reassign", a.orderReassign, requireWrite)
	in.GET("/commission-plans", a.planList)
	in.GET("/commission-plans/new", a.planNewForm, requireWrite)
	in.POST("/commission-plans/new", a.planCreate, requireWrite)
	in.GET("/commission-plans/:id", a.planEditForm)
	in.POST("/commission-plans/:id", a.planSave, requireWrite)
	in.POST("/commission-plans/:id/default", a.planMakeDefault, requireWrite)
	in.POST("/commission-plans/check", a.planCheck, requireWrite)
	in.POST("/commission-plans/simulate", a.planSimulate)
	in.GET("/commission-plans/:id/recompute", a.planRecomputePreview, requireWrite)
	in.POST("/commission-plans/:id/recompute", a.planRecompute, requireWrite)
	in.GET("/commissions", a.commissionList)
	in.POST("/creators/:id/adjustments", a.commissionAdjust, requireWrite)
	in.GET("/payouts", a.payoutList)
	in.POST("/payouts", a.payoutCreate, requireWrite)
	in.POST("/payouts/schedule", a.payoutSchedule, requireWrite)
	in.GET("/payouts/:id", a.payoutBatchShow)
	in.GET("/payouts/:id/progress", a.payoutBatchProgress)
	in.POST("/payouts/:id/approve", a.payoutBatchApprove, requireWrite)
	in.POST("/payouts/:id/execute", a.payoutBatchExecute, requireWrite)
	in.POST("/payouts/:id/cancel", a.payoutBatchCancel, requireWrite)
	in.GET("/payouts/:id/export.csv", a.payoutBatchExport, requireWrite)
	in.GET("/payouts/:id/items/:item", a.payoutItemShow)
	in.POST("/payouts/:id/items/:item/retry", a.payoutItemRetry, requireWrite)
	in.POST("/payouts/:id/items/:item/manual", a.payoutItemManual, requireWrite)
	in.POST("/payouts/:id/items/:item/mark-paid", a.payoutItemMarkPaid, requireWrite)
	in.POST("/creators/:id/stripe-account/refresh", a.creatorStripeRefresh, requireWrite)
	in.GET("/admin/audit", a.auditLog, requireOwner)
	in.GET("/admin/outbox", a.outboxPage, requireOwner)
	// Fraud and quality signals with holds (owners and admins hold and
	// release); CSV exports (analysts too: read-only data).
	in.GET("/signals", a.fraudSignals)
	in.POST("/signals/hold", a.fraudHold, requireWrite)
	in.POST("/signals/holds/:id/release", a.fraudRelease, requireWrite)
	in.GET("/exports", a.exportsPage)
	in.GET("/exports/download", a.exportDownload)
}

func (a *App) apiRoutes(e *echo.Echo) {
	api := e.Group("/api/v1", a.apiAuth)
	api.GET("/brand", a.apiBrandGet)
	api.PATCH("/brand", a.apiBrandPatch)
	// Keys are read-only through the API: they are created and revoked on the
	// settings page by a person, so a leaked key cannot mint or revoke keys.
	api.GET("/api-keys", a.apiKeysList)
	api.GET("/api-keys/:id", a.apiKeysGet)
	api.GET("/members", a.apiMembersList)
	api.GET("/members/:id", a.apiMembersGet)
	api.GET("/creators", a.apiCreatorsList)
	api.POST("/creators", a.apiCreatorsCreate)
	api.GET("/creators/:id", a.apiCreatorsGet)
	api.PATCH("/creators/:id", a.apiCreatorsPatch)
	api.GET("/creators/:id/links", a.apiLinksList)
	api.POST("/creators/:id/links", a.apiLinksCreate)
	api.PATCH("/links/:id", a.apiLinksPatch)
	api.GET("/links/:id/stats", a.apiLinksStats)
	api.GET("/creators/:id/codes", a.apiCodesList)
	api.POST("/creators/:id/codes", a.apiCodesCreate)
	api.GET("/orders", a.apiOrdersList)
	api.POST("/orders", a.apiOrdersCreate)
	api.GET("/orders/:external_id", a.apiOrdersGet)
	api.POST("/orders/:external_id/refunds", a.apiOrdersRefund)
	api.GET("/products", a.apiProductsList)
	api.POST("/products", a.apiProductsPutMany)
	api.GET("/products/:sku", a.apiProductsGet)
	api.PUT("/products/:sku", a.apiProductsPut)
	api.GET("/commission-plans", a.apiPlansList)
	api.POST("/commission-plans", a.apiPlansCreate)
	api.GET("/commission-plans/:id", a.apiPlansGet)
	api.PATCH("/commission-plans/:id", a.apiPlansPatch)
	api.GET("/commissions", a.apiCommissionsList)
	api.GET("/creators/:id/balance", a.apiCreatorBalance)
	api.POST("/creators/:id/stripe-account", a.apiCreatorStripeAccount)
	api.GET("/payout-batches", a.apiPayoutBatchesList)
	api.POST("/payout-batches", a.apiPayoutBatchesCreate)
	api.GET("/payout-batches/:id", a.apiPayoutBatchesGet)
	api.POST("/payout-batches/:id/approve", a.apiPayoutBatchesApprove)
	api.POST("/payout-batches/:id/execute", a.apiPayoutBatchesExecute)
	api.POST("/payout-batches/:id/cancel", a.apiPayoutBatchesCancel)
	api.POST("/payout-batches/:id/items/:item_id/retry", a.apiPayoutItemRetry)
	api.POST("/payout-batches/:id/items/:item_id/mark-paid", a.apiPayoutItemMarkPaid)
	api.GET("/exports/:file", a.apiExport)
}

func isAPI(path string) bool { return strings.HasPrefix(path, "/api/") }
