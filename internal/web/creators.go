package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

type creatorListView struct {
	Page
	Query    creator.ListQuery
	Result   *creator.Page
	Counts   map[creator.Status]int64
	AllCount int64
	// ActiveCount is the number of active creators (the bulk issue form).
	ActiveCount int64
	Statuses    []creator.Status
	Platforms   []creator.Platform
	Sorts       []string
	NextURL     string
	Filtered    bool
	Error       string
}

func listQuery(c echo.Context) creator.ListQuery {
	return creator.ListQuery{Search: c.QueryParam("q"), Status: creator.Status(c.QueryParam("status")),
		Platform: creator.Platform(c.QueryParam("platform")), Tag: c.QueryParam("tag"), Sort: c.QueryParam("sort"),
		Cursor: c.QueryParam("cursor")}
}

func (a *App) creatorList(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	q := listQuery(c)
	v := creatorListView{Page: a.page(c, "Creators", "creators"), Query: q, Statuses: creator.Statuses,
		Platforms: creator.Platforms, Sorts: creator.Sorts,
		Filtered: q.Search != "" || q.Status != "" || q.Platform != "" || q.Tag != ""}
	counts, err := a.creators.CountByStatus(ctx, p.Brand.ID)
	if err != nil {
		return err
	}
	v.Counts, v.ActiveCount = counts, counts[creator.Active]
	for _, n := range counts {
		v.AllCount += n
	}
	// Without search, platform or tag, the status tabs' counts are the total.
	byStatusOnly := q.Search == "" && q.Platform == "" && q.Tag == ""
	q.NoTotal = byStatusOnly
	res, err := a.creators.List(ctx, p.Brand.ID, q)
	var ve validate.Errors
	if errors.As(err, &ve) {
		v.Error = "These filters do not work: " + ve.Error() + "."
		c.Response().Status = http.StatusBadRequest
		res = &creator.Page{}
	} else if err != nil {
		return err
	}
	v.Result = res
	if byStatusOnly {
		res.Total = v.AllCount
		if q.Status != "" {
			res.Total = counts[q.Status]
		}
	}
	if res.Next != "" {
		next := c.QueryParams()
		next.Set("cursor", res.Next)
		v.NextURL = "/creators?" + next.Encode()
	}
	status := http.StatusOK
	if v.Error != "" {
		status = http.StatusBadRequest
	}
	return c.Render(status, "creators", v)
}

type creatorDetailView struct {
	Page
	BaseURL string
	Links   []link.WithStats
	Codes   []coupon.Code
	Creator *creator.Creator
	Events  []creator.Event
	Next    []creator.Status
	Handles []handleField
	Tags    string
	Errors  map[string]string
	// Commission is the creator's balance, last entries and the adjustment form.
	Commission creatorCommission
}

func (a *App) creatorDetailView(c echo.Context, cr *creator.Creator) (creatorDetailView, error) {
	ctx := c.Request().Context()
	v := creatorDetailView{Page: a.page(c, cr.Name, "creators"), BaseURL: a.cfg.BaseURL, Creator: cr, Next: cr.Status.Next(),
		Handles: handleFields(cr.Handles), Tags: strings.Join(cr.Tags, ", ")}
	var err error
	if v.Events, err = a.creators.Events(ctx, cr.BrandID, cr.ID); err != nil {
		return v, err
	}
	if v.Links, err = a.links.ForCreator(ctx, cr.BrandID, cr.ID); err != nil {
		return v, err
	}
	if v.Codes, err = a.codes.ForCreator(ctx, cr.BrandID, cr.ID); err != nil {
		return v, err
	}
	v.Commission, err = a.creatorCommission(ctx, currentPrincipal(c).Brand, cr.ID)
	return v, err
}

func (a *App) creatorDetail(c echo.Context) error {
	cr, err := a.creators.Get(c.Request().Context(), currentPrincipal(c).Brand.ID, c.Param("id"))
	if err != nil {
		return err
	}
	v, err := a.creatorDetailView(c, cr)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "creator", v)
}

func (a *App) creatorEdit(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	fields, handles, errs := parseHandles(c)
	tags := creator.ParseTags(c.FormValue("tags"))
	prof := creator.Profile{Name: ptrTo(c.FormValue("name")), Niche: ptrTo(c.FormValue("niche")), Country: ptrTo(c.FormValue("country")),
		Notes: ptrTo(c.FormValue("notes")), Tags: &tags, PayoutEmail: ptrTo(c.FormValue("payout_email")), Handles: handles}
	if len(errs) == 0 {
		_, err := a.creators.Update(ctx, brand.UserActor(p.User, c.RealIP()), p.Brand.ID, c.Param("id"), prof, nil, "")
		if !errors.As(err, &errs) && err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		cr, err := a.creators.Get(ctx, p.Brand.ID, c.Param("id"))
		if err != nil {
			return err
		}
		// Show what was typed, with the problems beside it.
		cr.Name, cr.Niche, cr.Country, cr.Notes, cr.PayoutEmail = *prof.Name, *prof.Niche, *prof.Country, *prof.Notes, *prof.PayoutEmail
		v, err := a.creatorDetailView(c, cr)
		if err != nil {
			return err
		}
		v.Handles, v.Tags, v.Errors = withHandleErrors(fields, errs), c.FormValue("tags"), errs.Map()
		return c.Render(http.StatusUnprocessableEntity, "creator", v)
	}
	setFlash(c, flashOK, "Saved.")
	return c.Redirect(http.StatusSeeOther, "/creators/"+url.PathEscape(c.Param("id")))
}

var statusVerbs = map[creator.Status]string{creator.Active: "approved or resumed", creator.Paused: "paused",
	creator.Retired: "retired", creator.Rejected: "rejected"}

func (a *App) creatorStatus(c echo.Context) error {
	p := currentPrincipal(c)
	id := c.Param("id")
	cr, err := a.creators.SetStatus(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand.ID, id,
		creator.Status(c.FormValue("status")), c.FormValue("reason"))
	var ve validate.Errors
	switch {
	case errors.Is(err, creator.ErrIllegalTransition), errors.As(err, &ve):
		setFlash(c, flashError, "Not changed: "+err.Error()+".")
	case err != nil:
		return err
	default:
		setFlash(c, flashOK, fmt.Sprintf("%s is now %s.", cr.Name, cr.Status))
	}
	return c.Redirect(http.StatusSeeOther, "/creators/"+url.PathEscape(id))
}

type creatorNewView struct {
	Page
	Name, Email, Tags string
	Handles           []handleField
	Errors            map[string]string
	InviteLink        string
	Invited           *creator.Creator
}

func (a *App) creatorNewForm(c echo.Context) error {
	return c.Render(http.StatusOK, "creator_new", creatorNewView{Page: a.page(c, "Invite a creator", "creators"), Handles: handleFields(nil)})
}

func (a *App) creatorNew(c echo.Context) error {
	p := currentPrincipal(c)
	v := creatorNewView{Page: a.page(c, "Invite a creator", "creators"), Name: c.FormValue("name"), Email: c.FormValue("email"), Tags: c.FormValue("tags")}
	fields, handles, errs := parseHandles(c)
	tags := creator.ParseTags(v.Tags)
	var cr *creator.Creator
	if len(errs) == 0 {
		var link string
		var err error
		cr, link, err = a.creators.New(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand.ID,
			creator.Profile{Name: &v.Name, Email: &v.Email, Handles: handles, Tags: &tags}, creator.Invited)
		if errors.Is(err, creator.ErrDuplicate) {
			errs = validate.Errors{{Field: "email", Message: "this email is already in your program; find them in the creators list"}}
		} else if !errors.As(err, &errs) && err != nil {
			return err
		}
		v.InviteLink = link
	}
	if len(errs) > 0 {
		v.Handles, v.Errors = withHandleErrors(fields, errs), errs.Map()
		return c.Render(http.StatusUnprocessableEntity, "creator_new", v)
	}
	v.Invited, v.Name, v.Email, v.Tags, v.Handles = cr, "", "", "", handleFields(nil)
	v.Flash = &flash{Kind: flashOK, Message: "Invite sent to " + cr.Email + ". You can also copy the link below: it works once, for 14 days."}
	return c.Render(http.StatusCreated, "creator_new", v)
}

type applicationsView struct {
	Page
	Result  *creator.Page
	NextURL string
}

func (a *App) applications(c echo.Context) error {
	p := currentPrincipal(c)
	res, err := a.creators.List(c.Request().Context(), p.Brand.ID, creator.ListQuery{Status: creator.Applied, Sort: creator.SortOldest, Cursor: c.QueryParam("cursor")})
	var ve validate.Errors
	if errors.As(err, &ve) {
		return echo.NewHTTPError(http.StatusBadRequest, ve.Error())
	}
	if err != nil {
		return err
	}
	v := applicationsView{Page: a.page(c, "Applications", "applications"), Result: res}
	if res.Next != "" {
		v.NextURL = "/creators/applications?cursor=" + url.QueryEscape(res.Next)
	}
	return c.Render(http.StatusOK, "applications", v)
}

func (a *App) applicationsDecide(c echo.Context) error {
	p := currentPrincipal(c)
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "could not read the form")
	}
	ids := form["ids"]
	to := creator.Active
	verb := "approved"
	if c.FormValue("decision") == "reject" {
		to, verb = creator.Rejected, "rejected"
	}
	if len(ids) == 0 {
		setFlash(c, flashError, "Tick at least one application first.")
		return c.Redirect(http.StatusSeeOther, "/creators/applications")
	}
	if len(ids) > creator.MaxLimit {
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("decide at most %d applications at once", creator.MaxLimit))
	}
	res := a.creators.SetStatusMany(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand.ID, ids, to, c.FormValue("reason"))
	msg := fmt.Sprintf("%d application(s) %s.", len(res.Changed), verb)
	kind := flashOK
	if len(res.Failed) > 0 {
		kind = flashError
		var reasons []string
		for _, err := range res.Failed {
			if errors.Is(err, creator.ErrNotFound) {
				reasons = append(reasons, "not found")
				continue
			}
			reasons = append(reasons, err.Error())
		}
		msg += fmt.Sprintf(" %d could not change: %s.", len(res.Failed), strings.Join(dedupe(reasons), "; "))
	}
	setFlash(c, kind, msg)
	return c.Redirect(http.StatusSeeOther, "/creators/applications")
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func ptrTo(s string) *string { return &s }
