package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/store"
	"github.com/labstack/echo/v4"
	"github.com/stripe/stripe-go/v76"
)

// webhookReply is what a webhook answers: what happened to the delivery.
type webhookReply struct {
	Status  string `json:"status"` // stored, duplicate, updated, ignored
	OrderID string `json:"order_id,omitempty"`
	// CreatorID is the creator an account.updated event updated.
	CreatorID string `json:"creator_id,omitempty"`
	Message   string `json:"message,omitempty"`
}

// webhookBrand reads the raw body and loads the brand named in the URL with
// its secrets. An unknown brand is 404; the body is never parsed before the
// caller has checked its signature.
func (a *App) webhookBrand(c echo.Context) ([]byte, *brand.Brand, *brand.Secrets, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, nil, nil, apiErr(http.StatusRequestEntityTooLarge, "too_large", "the webhook body is too large")
		}
		return nil, nil, nil, err
	}
	b, sec, err := a.hookBrands.get(c.Request().Context(), a.brands, c.Param("brand_id"))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, nil, apiErr(http.StatusNotFound, "not_found", "no brand with this id")
		}
		return nil, nil, nil, err
	}
	return body, b, sec, nil
}

// webhookApply stores a verified, parsed event and answers the source.
func (a *App) webhookApply(c echo.Context, b *brand.Brand, ev order.Event) error {
	res, err := a.orders.ApplyTo(c.Request().Context(), b, ev)
	if err != nil {
		return err
	}
	out := webhookReply{Status: "stored"}
	if res.Duplicate {
		out.Status = "duplicate"
	}
	if res.Order != nil {
		out.OrderID = res.Order.ID
	} else {
		out.Message = "kept until its order arrives"
	}
	return c.JSON(http.StatusOK, out)
}

// parseErr maps an adapter's parse error: malformed payloads are 400, field
// problems 422 (through the classifier).
func parseErr(err error) error {
	if errors.Is(err, order.ErrMalformed) {
		return apiErr(http.StatusBadRequest, "malformed_json", "%s", err.Error())
	}
	return err
}

func unauthorized(msg string) error {
	return apiErr(http.StatusUnauthorized, "unauthorized", "%s", msg)
}

// webhookShopify receives Shopify's order and refund webhooks. The HMAC is
// checked on the raw body before anything is parsed.
func (a *App) webhookShopify(c echo.Context) error {
	body, b, sec, err := a.webhookBrand(c)
	if err != nil {
		return err
	}
	if sec.ShopifyWebhookSecret == "" {
		return unauthorized("Shopify webhooks are not set up for this brand: save the Shopify webhook secret in Settings")
	}
	h := c.Request().Header
	if !order.VerifyShopify(body, h.Get("X-Shopify-Hmac-Sha256"), sec.ShopifyWebhookSecret) {
		return unauthorized("the X-Shopify-Hmac-Sha256 signature is missing or does not match this brand's Shopify secret")
	}
	topic := h.Get("X-Shopify-Topic")
	ev, err := order.ParseShopify(topic, body, b.ClickParam)
	if errors.Is(err, order.ErrUnsupportedTopic) {
		return c.JSON(http.StatusOK, webhookReply{Status: "ignored", Message: "Clout does not act on the topic " + topic})
	}
	if err != nil {
		return parseErr(err)
	}
	ev.DeliveryID = h.Get("X-Shopify-Event-Id")
	if ev.DeliveryID == "" {
		ev.DeliveryID = h.Get("X-Shopify-Webhook-Id")
	}
	if ev.DeliveryID != "" {
		// One event is delivered once per topic subscription.
		ev.DeliveryID = topic + ":" + ev.DeliveryID
	}
	ev.Raw = body
	return a.webhookApply(c, b, ev)
}

// webhookStripe receives Stripe's checkout and refund events, verified with
// the brand's webhook signing secret, and Connect's account.updated events
// about creators' payout accounts, verified with the brand's Connect webhook
// secret when it has one, else with the webhook signing secret. Each
// configured secret is tried; a delivery none of them signed changes nothing.
func (a *App) webhookStripe(c echo.Context) error {
	body, b, sec, err := a.webhookBrand(c)
	if err != nil {
		return err
	}
	if sec.StripeWebhookSecret == "" && sec.StripeConnectWebhookSecret == "" {
		return unauthorized("Stripe webhooks are not set up for this brand: save the Stripe webhook signing secret in Settings")
	}
	header := c.Request().Header.Get("Stripe-Signature")
	var se stripe.Event
	verified, connect := false, false
	if sec.StripeConnectWebhookSecret != "" {
		if se, err = order.VerifyStripe(body, header, sec.StripeConnectWebhookSecret); err == nil {
			verified, connect = true, true
		}
	}
	if !verified && sec.StripeWebhookSecret != "" {
		if se, err = order.VerifyStripe(body, header, sec.StripeWebhookSecret); err == nil {
			verified = true
		}
	}
	if !verified {
		if errors.Is(err, order.ErrMalformed) {
			return parseErr(err)
		}
		return unauthorized("the Stripe-Signature header is missing, expired or does not match this brand's webhook secrets")
	}
	if se.Type == "account.updated" {
		return a.webhookStripeAccount(c, b, se)
	}
	if connect {
		// The Connect endpoint's events are about connected accounts, not
		// the brand's own sales.
		return c.JSON(http.StatusOK, webhookReply{Status: "ignored", Message: "Clout acts only on account.updated from the Connect endpoint"})
	}
	ev, ok, err := order.ParseStripe(se)
	if err != nil {
		return parseErr(err)
	}
	if !ok {
		return c.JSON(http.StatusOK, webhookReply{Status: "ignored", Message: "Clout does not act on this event"})
	}
	ev.Raw = body
	return a.webhookApply(c, b, ev)
}

// webhookStripeAccount applies a verified account.updated event: the
// brand's creator with that connected account learns whether it can now
// receive transfers.
func (a *App) webhookStripeAccount(c echo.Context, b *brand.Brand, se stripe.Event) error {
	var acct stripe.Account
	if se.Data == nil || json.Unmarshal(se.Data.Raw, &acct) != nil {
		return apiErr(http.StatusBadRequest, "malformed_json", "the account.updated event has no account object")
	}
	if acct.ID == "" {
		acct.ID = se.Account
	}
	if acct.ID == "" || (se.Account != "" && se.Account != acct.ID) {
		return apiErr(http.StatusBadRequest, "malformed_json", "the account.updated event does not name one connected account")
	}
	ctx := c.Request().Context()
	matched, err := a.payouts.AccountUpdated(ctx, b.ID, &acct)
	if err != nil {
		return err
	}
	if !matched {
		return c.JSON(http.StatusOK, webhookReply{Status: "ignored", Message: "no creator of this brand has the account " + acct.ID})
	}
	out := webhookReply{Status: "updated", Message: "transfers not enabled yet"}
	if payout.TransfersActive(&acct) {
		out.Message = "ready for transfers"
	}
	if out.CreatorID, err = a.payouts.AccountCreatorID(ctx, b.ID, acct.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
