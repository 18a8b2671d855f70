package main

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"runtime/pprof"
	"time"

	"github.com/cloutapp/clout/internal/order"
	"github.com/labstack/echo/v4"
)

// baselineHandler is the reference the app is compared with: a bare echo
// instance, no middleware, one route that reads the body, checks its
// X-Shopify-Hmac-Sha256 against the brand's secret (order.VerifyShopify,
// as the app does) and answers 200 with the app's reply, storing nothing.
func baselineHandler(secrets map[string]string) http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.POST("/webhooks/shopify/:brand_id", func(c echo.Context) error {
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		secret, ok := secrets[c.Param("brand_id")]
		if !ok {
			return c.NoContent(http.StatusNotFound)
		}
		if !order.VerifyShopify(body, c.Request().Header.Get("X-Shopify-Hmac-Sha256"), secret) {
			return c.NoContent(http.StatusUnauthorized)
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "stored"})
	})
	return e
}

// server is a handler served over a real TCP listener on loopback.
type server struct {
	name string
	url  string
	srv  *http.Server
}

// serve starts h on 127.0.0.1 with the timeouts of web.Serve (which
// cmd/clout uses). Its goroutines carry the profiler label side=name, so a
// CPU profile of the whole process can be cut down to one server
// (go tool pprof -tagfocus side=app).
func serve(name string, h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{name: name, url: "http://" + ln.Addr().String()}
	s.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() {
		// Connection goroutines inherit the accept loop's labels.
		pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("side", name)))
		_ = s.srv.Serve(ln) // ErrServerClosed on Close
	}()
	return s, nil
}
