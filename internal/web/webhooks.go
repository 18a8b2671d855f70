package web

import (
	"errors"
	"io"
	"net/http"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/store"
	"github.com/labstack/echo/v4"
)

// webhookReply is what a webhook answers: what happened to the delivery.
type webhookReply struct {
	Status  string `json:"status"` // stored, duplicate, ignored
	OrderID string `json:"order_id,omitempty"`
	Message string `json:"message,omitempty"`
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
// the brand's webhook signing secret.
func (a *App) webhookStripe(c echo.Context) error {
	body, b, sec, err := a.webhookBrand(c)
	if err != nil {
		return err
	}
	if sec.StripeWebhookSecret == "" {
		return unauthorized("Stripe webhooks are not set up for this brand: save the Stripe webhook signing secret in Settings")
	}
	se, err := order.VerifyStripe(body, c.Request().Header.Get("Stripe-Signature"), sec.StripeWebhookSecret)
	if err != nil {
		return unauthorized("the Stripe-Signature header is missing, expired or does not match this brand's webhook secret")
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
