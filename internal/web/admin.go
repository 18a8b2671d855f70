package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/labstack/echo/v4"
)

const auditPageSize = 50

type auditRow struct {
	brand.AuditEntry
	DetailsText string
}

type auditView struct {
	Page
	Entries  []auditRow
	PageNum  int
	NextPage int
	PrevPage int
}

func (a *App) auditLog(c echo.Context) error {
	n, _ := strconv.Atoi(c.QueryParam("page"))
	if n < 1 {
		n = 1
	}
	es, err := a.brands.AuditLog(c.Request().Context(), currentPrincipal(c).Brand.ID, auditPageSize+1, (n-1)*auditPageSize)
	if err != nil {
		return err
	}
	v := auditView{Page: a.page(c, "Audit log", "audit"), PageNum: n, PrevPage: n - 1}
	if len(es) > auditPageSize {
		es, v.NextPage = es[:auditPageSize], n+1
	}
	for _, e := range es {
		b, _ := json.Marshal(e.Details)
		v.Entries = append(v.Entries, auditRow{AuditEntry: e, DetailsText: string(b)})
	}
	return c.Render(http.StatusOK, "audit", v)
}

type outboxView struct {
	Page
	Messages []mail.Message
}

func (a *App) outboxPage(c echo.Context) error {
	ms, err := a.outbox.ForBrand(c.Request().Context(), currentPrincipal(c).Brand.ID, 100)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "outbox", outboxView{Page: a.page(c, "Outbox", "outbox"), Messages: ms})
}
