// Package stripeapi builds stripe-go clients for a brand's own Stripe account,
// sending every call to CLOUT_STRIPE_API_BASE when it is set (stripe-mock in
// tests).
package stripeapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// Timeout bounds every Stripe call.
const Timeout = 20 * time.Second

// Factory makes clients; the zero value talks to Stripe itself.
type Factory struct {
	// Base replaces Stripe's API, Connect and upload hosts, e.g. http://localhost:12111.
	Base string
	// HTTPClient is used for calls; nil means a client with Timeout.
	HTTPClient *http.Client
}

// Client returns a client authenticated with a brand's secret key.
func (f Factory) Client(secretKey string) *client.API {
	hc := f.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: Timeout}
	}
	backend := func(kind stripe.SupportedBackend) stripe.Backend {
		cfg := &stripe.BackendConfig{HTTPClient: hc, MaxNetworkRetries: stripe.Int64(1),
			LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull}}
		if f.Base != "" {
			cfg.URL = stripe.String(f.Base)
		}
		return stripe.GetBackendWithConfig(kind, cfg)
	}
	sc := &client.API{}
	sc.Init(secretKey, &stripe.Backends{API: backend(stripe.APIBackend), Connect: backend(stripe.ConnectBackend),
		Uploads: backend(stripe.UploadsBackend)})
	return sc
}

var (
	// ErrKeyRejected: Stripe refused the key.
	ErrKeyRejected = errors.New("Stripe rejected this key")
	// ErrUnreachable: Stripe could not be reached.
	ErrUnreachable = errors.New("could not reach Stripe")
)

// KeyInfo is what a key check learns.
type KeyInfo struct {
	Livemode bool
}

// CheckKey makes one cheap authenticated call (retrieve balance) to prove the
// key works.
func (f Factory) CheckKey(ctx context.Context, secretKey string) (*KeyInfo, error) {
	params := &stripe.BalanceParams{}
	params.Context = ctx
	b, err := f.Client(secretKey).Balance.Get(params)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) {
			if se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden {
				return nil, fmt.Errorf("%w: %s", ErrKeyRejected, se.Msg)
			}
			return nil, fmt.Errorf("stripe: %s", se.Msg)
		}
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	return &KeyInfo{Livemode: b.Livemode}, nil
}
