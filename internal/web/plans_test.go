package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

type apiPlan struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Version   int    `json:"version"`
	VersionID string `json:"version_id"`
	Default   bool   `json:"default"`
	TierBasis string `json:"tier_basis"`
	TierMode  string `json:"tier_mode"`
	Tiers     []struct {
		From    int64 `json:"from"`
		RateBps int64 `json:"rate_bps"`
	} `json:"tiers"`
	Overrides []struct {
		SKU      string `json:"sku"`
		Category string `json:"category"`
		RateBps  int64  `json:"rate_bps"`
	} `json:"overrides"`
	MarginCapBps     int64  `json:"margin_cap_bps"`
	MarginFloorBps   *int64 `json:"margin_floor_bps"`
	PerOrderBonus    int64  `json:"per_order_bonus"`
	NewCustomersOnly bool   `json:"new_customers_only"`
	Milestones       []struct {
		Threshold int64 `json:"threshold"`
		Bonus     int64 `json:"bonus"`
	} `json:"milestones"`
}

func decodePlan(t *testing.T, body string) apiPlan {
	t.Helper()
	var p apiPlan
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return p
}

const planBody = `{"name": "Standard", "tier_basis": "revenue", "tier_mode": "marginal",
	"tiers": [{"from": 0, "rate_bps": 1000}, {"from": 100000, "rate_bps": 1500}],
	"overrides": [{"sku": "SERUM", "rate_bps": 2000}, {"category": "Gifts", "rate_bps": 500}],
	"margin_cap_bps": 5000, "margin_floor_bps": 2000, "per_order_bonus": 100,
	"milestones": [{"threshold": 500000, "bonus": 10000}], "new_customers_only": true}`

func TestPlansAPI(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Glow Co", "owner@glow.test")
		key := c.APIKey

		st, body := a.api(t, "POST", "/api/v1/commission-plans", key, planBody)
		if st != 201 {
			t.Fatalf("create: %d %s", st, body)
		}
		p := decodePlan(t, body)
		if p.ID == "" || p.Name != "Standard" || p.Version != 1 || p.VersionID == "" || p.Default || len(p.Tiers) != 2 ||
			p.Tiers[1].From != 100000 || p.Tiers[1].RateBps != 1500 || len(p.Overrides) != 2 || p.Overrides[1].Category != "Gifts" ||
			p.MarginCapBps != 5000 || p.MarginFloorBps == nil || *p.MarginFloorBps != 2000 || p.PerOrderBonus != 100 ||
			len(p.Milestones) != 1 || p.Milestones[0].Bonus != 10000 || !p.NewCustomersOnly {
			t.Fatalf("created plan: %s", body)
		}

		st, body = a.api(t, "GET", "/api/v1/commission-plans/"+p.ID, key, "")
		if got := decodePlan(t, body); st != 200 || got.VersionID != p.VersionID || got.Tiers[0].RateBps != 1000 {
			t.Fatalf("get: %d %s", st, body)
		}

		// A patch of the rules saves version 2; the fields not sent stay.
		st, body = a.api(t, "PATCH", "/api/v1/commission-plans/"+p.ID, key,
			`{"tiers": [{"from": 0, "rate_bps": 1200}], "margin_floor_bps": null}`)
		v2 := decodePlan(t, body)
		if st != 200 || v2.Version != 2 || v2.VersionID == p.VersionID || len(v2.Tiers) != 1 || v2.Tiers[0].RateBps != 1200 ||
			v2.MarginFloorBps != nil || v2.MarginCapBps != 5000 || len(v2.Overrides) != 2 || v2.Name != "Standard" {
			t.Fatalf("patch: %d %s", st, body)
		}
		// A rename alone is no new version.
		st, body = a.api(t, "PATCH", "/api/v1/commission-plans/"+p.ID, key, `{"name": "Base plan"}`)
		if got := decodePlan(t, body); st != 200 || got.Version != 2 || got.Name != "Base plan" {
			t.Fatalf("rename: %d %s", st, body)
		}
		// The old version is still there, as it was.
		old, err := a.Plans.VersionByID(context.Background(), c.Brand.ID, p.VersionID)
		if err != nil || old.Version != 1 || old.Rules.Tiers[0].RateBps != 1000 {
			t.Fatalf("version 1: %+v %v", old, err)
		}

		st, body = a.api(t, "POST", "/api/v1/commission-plans", key,
			`{"name": "Orders", "tier_basis": "orders", "tier_mode": "retroactive", "tiers": [{"from": 0, "rate_bps": 800}], "margin_cap_bps": 10000}`)
		if st != 201 {
			t.Fatalf("second plan: %d %s", st, body)
		}
		second := decodePlan(t, body)
		st, body = a.api(t, "GET", "/api/v1/commission-plans", key, "")
		var list struct {
			Data []apiPlan `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil || st != 200 || len(list.Data) != 2 ||
			list.Data[0].ID != p.ID || list.Data[0].Version != 2 || list.Data[1].ID != second.ID {
			t.Fatalf("list: %d %s", st, body)
		}

		bad := []struct {
			name, method, path, body string
			status                   int
			field                    string
		}{
			{"tiers out of order", "POST", "/api/v1/commission-plans",
				`{"name": "X", "tier_basis": "revenue", "tier_mode": "marginal", "tiers": [{"from": 0, "rate_bps": 1000}, {"from": 0, "rate_bps": 1500}], "margin_cap_bps": 5000}`,
				422, "tiers[1].from"},
			{"no cap", "POST", "/api/v1/commission-plans",
				`{"name": "X", "tier_basis": "revenue", "tier_mode": "marginal", "tiers": [{"from": 0, "rate_bps": 1000}]}`, 422, "margin_cap_bps"},
			{"no name", "POST", "/api/v1/commission-plans",
				`{"tier_basis": "revenue", "tier_mode": "marginal", "tiers": [{"from": 0, "rate_bps": 1000}], "margin_cap_bps": 5000}`, 422, "name"},
			{"patch bad rate", "PATCH", "/api/v1/commission-plans/" + p.ID, `{"tiers": [{"from": 0, "rate_bps": 10001}]}`, 422, "tiers[0].rate_bps"},
			{"malformed", "POST", "/api/v1/commission-plans", `{"name": "X",`, 400, ""},
			{"unknown field", "POST", "/api/v1/commission-plans", `{"name": "X", "rate": 5}`, 400, ""},
			{"unknown tier field", "PATCH", "/api/v1/commission-plans/" + p.ID, `{"tiers": [{"from": 0, "rate": 5}]}`, 400, ""},
			{"wrong type", "POST", "/api/v1/commission-plans", `{"name": "X", "margin_cap_bps": "50%"}`, 400, ""},
			{"no such plan", "GET", "/api/v1/commission-plans/plan_nope", "", 404, ""},
		}
		for _, b := range bad {
			st, body := a.api(t, b.method, b.path, key, b.body)
			if st != b.status || (b.field != "" && !strings.Contains(body, `"field":"`+b.field+`"`)) {
				t.Errorf("%s: %d %s", b.name, st, body)
			}
		}
		if st, body := a.api(t, "GET", "/api/v1/commission-plans/"+p.ID, key, ""); decodePlan(t, body).Version != 2 || st != 200 {
			t.Errorf("a refused patch changed the plan: %s", body)
		}

		// Another brand sees none of it.
		other := a.createBrand(t, "Other Co", "owner@other.test").APIKey
		for _, r := range []struct{ method, body string }{{"GET", ""}, {"PATCH", `{"name": "Mine"}`}} {
			if st, body := a.api(t, r.method, "/api/v1/commission-plans/"+p.ID, other, r.body); st != 404 {
				t.Errorf("other brand %s: %d %s", r.method, st, body)
			}
		}
		if st, body := a.api(t, "GET", "/api/v1/commission-plans", other, ""); st != 200 || strings.Contains(body, p.ID) {
			t.Errorf("other brand's list: %d %s", st, body)
		}
		if st, body := a.api(t, "PATCH", "/api/v1/brand", other, `{"default_commission_plan_id": "`+p.ID+`"}`); st != 422 ||
			!strings.Contains(body, "default_commission_plan_id") {
			t.Errorf("other brand's default: %d %s", st, body)
		}

		// The brand's default plan.
		if _, body := a.api(t, "GET", "/api/v1/brand", key, ""); !strings.Contains(body, `"default_commission_plan_id":null`) {
			t.Errorf("brand before a default: %s", body)
		}
		st, body = a.api(t, "PATCH", "/api/v1/brand", key, `{"default_commission_plan_id": "`+p.ID+`", "hold_days": 14}`)
		if st != 200 || !strings.Contains(body, `"default_commission_plan_id":"`+p.ID+`"`) || !strings.Contains(body, `"hold_days":14`) {
			t.Fatalf("set default: %d %s", st, body)
		}
		if _, body := a.api(t, "GET", "/api/v1/brand", key, ""); !strings.Contains(body, `"default_commission_plan_id":"`+p.ID+`"`) {
			t.Errorf("brand after a default: %s", body)
		}
		if _, body := a.api(t, "GET", "/api/v1/commission-plans/"+p.ID, key, ""); !decodePlan(t, body).Default {
			t.Errorf("the plan is not marked default: %s", body)
		}
		// An unknown plan changes nothing, not even the other settings.
		st, body = a.api(t, "PATCH", "/api/v1/brand", key, `{"default_commission_plan_id": "plan_nope", "hold_days": 3}`)
		if st != 422 || !strings.Contains(body, `"field":"default_commission_plan_id"`) {
			t.Errorf("unknown default: %d %s", st, body)
		}
		if _, body := a.api(t, "GET", "/api/v1/brand", key, ""); !strings.Contains(body, `"hold_days":14`) {
			t.Errorf("a refused patch changed the settings: %s", body)
		}
		if st, body := a.api(t, "PATCH", "/api/v1/brand", key, `{"default_commission_plan_id": null}`); st != 200 ||
			!strings.Contains(body, `"default_commission_plan_id":null`) {
			t.Errorf("clear default: %d %s", st, body)
		}

		// A creator's own plan.
		name, email := "Maya Lee", "maya@creator.test"
		cr, _, err := a.Creators.New(context.Background(), brand.Actor{Type: "cli"}, c.Brand.ID,
			creator.Profile{Name: &name, Email: &email}, creator.Active)
		if err != nil {
			t.Fatal(err)
		}
		st, body = a.api(t, "PATCH", "/api/v1/creators/"+cr.ID, key, `{"commission_plan_id": "`+second.ID+`", "notes": "VIP"}`)
		if st != 200 || !strings.Contains(body, `"commission_plan_id":"`+second.ID+`"`) || !strings.Contains(body, `"notes":"VIP"`) {
			t.Fatalf("creator plan: %d %s", st, body)
		}
		if _, body := a.api(t, "GET", "/api/v1/creators/"+cr.ID, key, ""); !strings.Contains(body, `"commission_plan_id":"`+second.ID+`"`) {
			t.Errorf("creator after a plan: %s", body)
		}
		if st, body := a.api(t, "PATCH", "/api/v1/creators/"+cr.ID, key, `{"commission_plan_id": "plan_nope"}`); st != 422 ||
			!strings.Contains(body, `"field":"commission_plan_id"`) {
			t.Errorf("unknown creator plan: %d %s", st, body)
		}
		if st, body := a.api(t, "PATCH", "/api/v1/creators/"+cr.ID, other, `{"commission_plan_id": null}`); st != 404 {
			t.Errorf("other brand's creator: %d %s", st, body)
		}
		if st, body := a.api(t, "PATCH", "/api/v1/creators/"+cr.ID, key, `{"commission_plan_id": null}`); st != 200 ||
			!strings.Contains(body, `"commission_plan_id":null`) {
			t.Errorf("clear creator plan: %d %s", st, body)
		}
	})
}

// postCheck posts the editor's form to the live validation with the CSRF
// header, as plan_editor.js does.
func (b *browser) postCheck(from string, form url.Values) (int, string) {
	b.t.Helper()
	tok := b.csrf(from)
	req, _ := http.NewRequest("POST", b.app.URL+"/commission-plans/check", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", tok)
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func planForm(name string, tiers ...[2]string) url.Values {
	f := url.Values{"name": {name}, "tier_basis": {"revenue"}, "tier_mode": {"marginal"}, "margin_cap": {"50"},
		"margin_floor": {""}, "per_order_bonus": {""}}
	for _, t := range tiers {
		f.Add("tier_from", t[0])
		f.Add("tier_rate", t[1])
	}
	for i := 0; i < 3; i++ { // blank rows, as the page sends them
		f.Add("tier_from", "")
		f.Add("tier_rate", "")
		f.Add("override_kind", "sku")
		f.Add("override_key", "")
		f.Add("override_rate", "")
		f.Add("milestone_threshold", "")
		f.Add("milestone_bonus", "")
	}
	return f
}

func TestPlanPages(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	c := a.createBrand(t, "Acme", "owner@acme.test")
	owner := a.browser(t)
	owner.login("owner@acme.test", "correct horse battery")

	status, body := owner.get("/commission-plans")
	if status != 200 || !strings.Contains(body, `id="plans-empty"`) || !strings.Contains(body, `href="/commission-plans/new"`) {
		t.Fatalf("empty list: %d %s", status, body)
	}
	status, body = owner.get("/commission-plans/new")
	if status != 200 || !strings.Contains(body, `name="tier_from"`) || !strings.Contains(body, "/static/js/plan_editor.js") ||
		strings.Count(body, `name="tier_from"`) < 5 {
		t.Fatalf("new form: %d %s", status, body)
	}

	// Live validation: a bad tier is named by its row.
	f := planForm("Standard", [2]string{"0.00", "10"}, [2]string{"abc", "15"})
	status, body = owner.postCheck("/commission-plans/new", f)
	var res struct {
		Errors  map[string]string `json:"errors"`
		Summary string            `json:"summary"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil || status != 200 || res.Errors["tiers[1].from"] == "" {
		t.Fatalf("check: %d %s", status, body)
	}
	f = planForm("Standard", [2]string{"0", "10"}, [2]string{"", ""}, [2]string{"500.00", "8"})
	f.Set("tier_mode", "retroactive")
	_, body = owner.postCheck("/commission-plans/new", f)
	res.Errors = nil
	if err := json.Unmarshal([]byte(body), &res); err != nil || !strings.Contains(res.Errors["tiers[2].rate_bps"], "10%") {
		t.Errorf("check of a lower retroactive rate (the blank row keeps its place): %s", body)
	}
	f = planForm("Standard", [2]string{"0", "10"}, [2]string{"1000", "15"})
	_, body = owner.postCheck("/commission-plans/new", f)
	res.Errors = nil
	if err := json.Unmarshal([]byte(body), &res); err != nil || len(res.Errors) != 0 || res.Summary != "10% from 0.00, 15% from 1,000.00" {
		t.Errorf("check of a good plan: %s", body)
	}

	// A form with an error is shown again, 422, with the message beside the field.
	f = planForm("Standard", [2]string{"0", "10"}, [2]string{"0", "15"})
	resp, body := owner.post("/commission-plans/new", "/commission-plans/new", f)
	if resp.StatusCode != 422 || !strings.Contains(body, "must be greater than the previous tier") || !strings.Contains(body, `value="Standard"`) {
		t.Fatalf("bad create: %d %s", resp.StatusCode, body)
	}

	f = planForm("Standard", [2]string{"0", "12.5"}, [2]string{"1000.00", "15"})
	f.Set("margin_floor", "20")
	f.Set("per_order_bonus", "1.50")
	f.Set("override_key", "SERUM")
	f.Set("override_rate", "20")
	f.Add("override_kind", "sku") // the three blank rows, and one more for the filled one
	f.Add("override_rate", "")
	f.Add("override_key", "")
	resp, body = owner.post("/commission-plans/new", "/commission-plans/new", f)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	id := path.Base(resp.Header.Get("Location"))
	p, err := a.Plans.Get(context.Background(), c.Brand.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	r := p.Rules
	if r.Tiers[0].RateBps != 1250 || r.Tiers[1].From != 100000 || r.Tiers[1].RateBps != 1500 || r.MarginCapBps != 5000 ||
		r.MarginFloorBps == nil || *r.MarginFloorBps != 2000 || r.PerOrderBonus != 150 || len(r.Overrides) != 1 ||
		r.Overrides[0].SKU != "SERUM" || r.Overrides[0].RateBps != 2000 || len(r.Milestones) != 0 {
		t.Fatalf("created rules: %+v", r)
	}

	status, body = owner.get("/commission-plans/" + id)
	if status != 200 || !strings.Contains(body, `value="12.5"`) || !strings.Contains(body, `value="1000.00"`) ||
		!strings.Contains(body, "orders already priced keep version 1") {
		t.Fatalf("edit form: %d %s", status, body)
	}
	// Saving a change makes version 2.
	f = planForm("Standard", [2]string{"0", "11"})
	resp, body = owner.post("/commission-plans/"+id, "/commission-plans/"+id, f)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", resp.StatusCode, body)
	}
	_, body = owner.get("/commission-plans/" + id)
	if !strings.Contains(body, "Orders already priced keep version 1") || !strings.Contains(body, "Version 2.") {
		t.Errorf("after save: %s", body)
	}
	// Make default, from the list.
	resp, body = owner.post("/commission-plans", "/commission-plans/"+id+"/default", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("make default: %d %s", resp.StatusCode, body)
	}
	_, body = owner.get("/commission-plans")
	if !strings.Contains(body, "badge-default") || !strings.Contains(body, "11% from 0.00") || !strings.Contains(body, "v2") {
		t.Errorf("list: %s", body)
	}

	// An analyst reads but cannot change.
	ana := a.analyst(t, c.Brand.ID, "ana@acme.test")
	if status, body := ana.get("/commission-plans/" + id); status != 200 || strings.Contains(body, `id="plan-save"`) {
		t.Errorf("analyst reads a plan: %d", status)
	}
	if status, _ := ana.get("/commission-plans/new"); status != 403 {
		t.Errorf("analyst opens the new form: %d", status)
	}
	if resp, _ := ana.post("/dashboard", "/commission-plans/"+id, planForm("Mine", [2]string{"0", "90"})); resp.StatusCode != 403 {
		t.Errorf("analyst saves: %d", resp.StatusCode)
	}
	if resp, _ := ana.post("/dashboard", "/commission-plans/new", planForm("Mine", [2]string{"0", "90"})); resp.StatusCode != 403 {
		t.Errorf("analyst creates: %d", resp.StatusCode)
	}
	if p, _ := a.Plans.Get(context.Background(), c.Brand.ID, id); p.Version != 2 {
		t.Errorf("the analyst changed the plan: v%d", p.Version)
	}

	// Another brand's plan is not found.
	a.createBrand(t, "Other", "owner@other.test")
	stranger := a.browser(t)
	stranger.login("owner@other.test", "correct horse battery")
	if status, _ := stranger.get("/commission-plans/" + id); status != 404 {
		t.Errorf("other brand's plan page: %d", status)
	}
}
