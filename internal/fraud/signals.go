package fraud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// Service computes signals and keeps holds.
type Service struct {
	db     *store.DB
	brands *brand.Service
	// customerHash is the orders' keyed hash of an email
	// (order.Service.CustomerHash).
	customerHash func(email string) string
	now          func() time.Time
	// Thresholds are the rules' parameters (DefaultThresholds).
	Thresholds Thresholds
}

// NewService wires the signals. customerHash is how orders hash a customer's
// email (order.Service.CustomerHash).
func NewService(db *store.DB, brands *brand.Service, customerHash func(email string) string) *Service {
	return &Service{db: db, brands: brands, customerHash: customerHash, now: store.Now, Thresholds: DefaultThresholds}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// chunk is how many ids one IN list holds.
const chunk = 500

func chunks(ids []string, fn func([]string) error) error {
	for len(ids) > 0 {
		n := min(len(ids), chunk)
		if err := fn(ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// creatorInfo is what the rules need of a creator.
type creatorInfo struct {
	ID, Name, Email, PayoutEmail string
}

// CheckRange validates a range for Signals.
func CheckRange(from, to time.Time) error {
	switch {
	case !to.After(from):
		return validate.Errors{{Field: "to", Message: "must be after the start of the range"}}
	case to.Sub(from) > (MaxRangeDays+1)*24*time.Hour:
		return validate.Errors{{Field: "from", Message: fmt.Sprintf("the range may be at most %d days", MaxRangeDays)}}
	}
	return nil
}

// Signals finds every signal in the brand's orders and clicks in
// [from, to), with the entries each affects, by kind and creator name.
func (s *Service) Signals(ctx context.Context, b *brand.Brand, from, to time.Time) ([]Signal, error) {
	if err := CheckRange(from, to); err != nil {
		return nil, err
	}
	// Times are stored in UTC; SQLite compares them as text.
	from, to = from.UTC(), to.UTC()
	db := s.db.WithContext(ctx)
	var crs []creatorInfo
	if err := db.Table("creators").Select("id, name, email, payout_email").Where("brand_id = ?", b.ID).Scan(&crs).Error; err != nil {
		return nil, err
	}
	names := make(map[string]creatorInfo, len(crs))
	for _, c := range crs {
		names[c.ID] = c
	}
	var out []Signal
	for _, rule := range []func(*gorm.DB, *brand.Brand, map[string]creatorInfo, time.Time, time.Time) ([]Signal, error){
		s.selfReferral, s.couponLeakage, s.clickSpam, s.refundRate} {
		sigs, err := rule(db, b, names, from, to)
		if err != nil {
			return nil, err
		}
		out = append(out, sigs...)
	}
	for i := range out {
		out[i].CreatorName = names[out[i].CreatorID].Name
		if err := s.fillEntries(db, b.ID, &out[i]); err != nil {
			return nil, err
		}
	}
	rank := map[string]int{}
	for i, k := range Kinds {
		rank[k] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, c := out[i], out[j]
		if a.Kind != c.Kind {
			return rank[a.Kind] < rank[c.Kind]
		}
		if a.CreatorName != c.CreatorName {
			return a.CreatorName < c.CreatorName
		}
		return a.Key < c.Key
	})
	return out, nil
}

// Signal is the signal with key in [from, to); ErrNotFound when there is none.
func (s *Service) Signal(ctx context.Context, b *brand.Brand, from, to time.Time, key string) (*Signal, error) {
	sigs, err := s.Signals(ctx, b, from, to)
	if err != nil {
		return nil, err
	}
	for i := range sigs {
		if sigs[i].Key == key {
			return &sigs[i], nil
		}
	}
	return nil, ErrNotFound
}

// fillEntries lists the entries of the signal's orders and sums them by
// where they stand.
func (s *Service) fillEntries(db *gorm.DB, brandID string, sig *Signal) error {
	sig.Entries = nil
	sig.Holdable, sig.Held, sig.InBatch = Sum{}, Sum{}, Sum{}
	err := chunks(sig.OrderIDs, func(ids []string) error {
		var es []Entry
		if err := db.Raw(`SELECT e.id, e.order_id, e.kind, e.amount, e.created_at,
				COALESCE(pe.batch_id, '') AS batch_id, COALESCE(h.hold_id, '') AS hold_id
			FROM commission_entries e
			LEFT JOIN payout_entries pe ON pe.entry_id = e.id
			LEFT JOIN commission_holds h ON h.entry_id = e.id AND h.released_at IS NULL
			WHERE e.brand_id = ? AND e.order_id IN ?`, brandID, ids).Scan(&es).Error; err != nil {
			return err
		}
		sig.Entries = append(sig.Entries, es...)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Slice(sig.Entries, func(i, j int) bool {
		a, c := sig.Entries[i], sig.Entries[j]
		if !a.CreatedAt.Equal(c.CreatedAt) {
			return a.CreatedAt.Before(c.CreatedAt)
		}
		return a.ID < c.ID
	})
	for _, e := range sig.Entries {
		switch {
		case e.BatchID != "":
			sig.InBatch.N, sig.InBatch.Amount = sig.InBatch.N+1, sig.InBatch.Amount+e.Amount
		case e.HoldID != "":
			sig.Held.N, sig.Held.Amount = sig.Held.N+1, sig.Held.Amount+e.Amount
		default:
			sig.Holdable.N, sig.Holdable.Amount = sig.Holdable.N+1, sig.Holdable.Amount+e.Amount
		}
	}
	return nil
}

// orderRef is an order's id and its id in its source.
type orderRef struct {
	ID, ExternalID string
}

// refList writes up to 10 orders' external ids: "#1001, #1002 and 3 more".
func refList(refs []orderRef) string {
	const show = 10
	parts := make([]string, 0, show)
	for i, r := range refs {
		if i == show {
			break
		}
		parts = append(parts, "#"+r.ExternalID)
	}
	out := strings.Join(parts, ", ")
	if len(refs) > show {
		out += fmt.Sprintf(" and %d more", len(refs)-show)
	}
	return out
}

func ids(refs []orderRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.ID
	}
	return out
}

// pct writes basis points as a percentage with one decimal: "85.7%".
func pct(bps int64) string { return fmt.Sprintf("%d.%d%%", bps/100, bps%100/10) }

// share is part of whole in basis points (0 when whole is 0).
func share(part, whole int64) int64 {
	if whole <= 0 {
		return 0
	}
	return part * 10000 / whole
}

// selfReferral: attributed orders whose customer hash is the hash of their
// creator's own email or payout email.
func (s *Service) selfReferral(db *gorm.DB, b *brand.Brand, crs map[string]creatorInfo, from, to time.Time) ([]Signal, error) {
	// Each hash names the creators whose email it is and which address.
	type owner struct{ creatorID, field string }
	owners := map[string][]owner{}
	for _, c := range crs {
		seen := map[string]bool{}
		for _, f := range []struct{ field, email string }{{"email", c.Email}, {"payout email", c.PayoutEmail}} {
			h := s.customerHash(f.email)
			if h == "" || seen[h] {
				continue
			}
			seen[h] = true
			owners[h] = append(owners[h], owner{c.ID, f.field})
		}
	}
	hashes := make([]string, 0, len(owners))
	for h := range owners {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	type row struct {
		ID, ExternalID, CreatorID, CustomerHash string
		PlacedAt                                time.Time
		Net                                     int64
	}
	type hit struct {
		refs   []orderRef
		fields map[string]bool
		net    int64
	}
	hits := map[string]*hit{}
	err := chunks(hashes, func(hs []string) error {
		var rows []row
		if err := db.Raw(`SELECT id, external_id, creator_id, customer_hash, placed_at, net FROM orders
			WHERE brand_id = ? AND customer_hash IN ? AND placed_at >= ? AND placed_at < ? AND creator_id IS NOT NULL
			ORDER BY placed_at, id`, b.ID, hs, from, to).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			for _, o := range owners[r.CustomerHash] {
				if o.creatorID != r.CreatorID {
					continue
				}
				h := hits[r.CreatorID]
				if h == nil {
					h = &hit{fields: map[string]bool{}}
					hits[r.CreatorID] = h
				}
				h.refs = append(h.refs, orderRef{r.ID, r.ExternalID})
				h.fields[o.field] = true
				h.net += r.Net
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Signal
	for crID, h := range hits {
		fields := make([]string, 0, len(h.fields))
		for f := range h.fields {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		out = append(out, Signal{Key: KindSelfReferral + "|" + crID, Kind: KindSelfReferral, CreatorID: crID,
			Subject: "the creator's own " + strings.Join(fields, " and "),
			Summary: fmt.Sprintf("%d order(s) credited to the creator were placed with the creator's own %s", len(h.refs), strings.Join(fields, " or ")),
			Evidence: []string{
				fmt.Sprintf("%d order(s) attributed to this creator have the customer hash of the creator's own %s", len(h.refs), strings.Join(fields, " or ")),
				fmt.Sprintf("Net revenue of those orders: %s", money.Amount{Minor: h.net, Currency: b.Currency}),
				"Orders: " + refList(h.refs),
			}, OrderIDs: ids(h.refs)})
	}
	return out, nil
}

// aggregator returns the coupon-site domain a referring site is on, or "".
func (s *Service) aggregator(site string) string {
	site = strings.TrimSpace(strings.ToLower(site))
	if site == "" {
		return ""
	}
	host := site
	if u, err := url.Parse(site); err == nil && u.Host != "" {
		host = u.Hostname()
	} else if u, err := url.Parse("//" + site); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	host = strings.TrimSuffix(host, ".")
	for _, d := range s.Thresholds.AggregatorDomains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return d
		}
	}
	return ""
}

// couponLeakage: a code whose orders mostly had no click on its creator's
// links, or whose orders came from coupon sites.
func (s *Service) couponLeakage(db *gorm.DB, b *brand.Brand, _ map[string]creatorInfo, from, to time.Time) ([]Signal, error) {
	rows, err := db.Raw(`SELECT o.id, o.external_id, o.creator_id, o.attribution_evidence, o.referring_site,
			CASE WHEN o.click_id <> '' AND EXISTS (SELECT 1 FROM clicks k WHERE k.id = o.click_id AND k.brand_id = o.brand_id
				AND k.creator_id = o.creator_id) THEN 1 ELSE 0 END AS clicked
		FROM orders o
		WHERE o.brand_id = ? AND o.placed_at >= ? AND o.placed_at < ? AND o.attribution_method = 'code' AND o.creator_id IS NOT NULL
		ORDER BY o.placed_at, o.id`, b.ID, from, to).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type group struct {
		creatorID, code string
		n               int
		noClick         []orderRef
		agg             []orderRef
		aggSites        map[string]int
	}
	groups := map[string]*group{}
	var order []string
	for rows.Next() {
		var r struct {
			ID, ExternalID, CreatorID, AttributionEvidence, ReferringSite string
			Clicked                                                       int
		}
		if err := db.ScanRows(rows, &r); err != nil {
			return nil, err
		}
		var ev struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal([]byte(r.AttributionEvidence), &ev)
		code := strings.ToUpper(strings.TrimSpace(ev.Code))
		if code == "" {
			continue
		}
		k := r.CreatorID + "|" + code
		g := groups[k]
		if g == nil {
			g = &group{creatorID: r.CreatorID, code: ev.Code, aggSites: map[string]int{}}
			groups[k] = g
			order = append(order, k)
		}
		g.n++
		ref := orderRef{r.ID, r.ExternalID}
		if r.Clicked == 0 {
			g.noClick = append(g.noClick, ref)
		}
		if d := s.aggregator(r.ReferringSite); d != "" {
			g.agg = append(g.agg, ref)
			g.aggSites[d]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	t := s.Thresholds
	var out []Signal
	for _, k := range order {
		g := groups[k]
		noClickBps := share(int64(len(g.noClick)), int64(g.n))
		leaked := g.n >= t.LeakageMinOrders && noClickBps >= t.LeakageNoClickBps
		if !leaked && len(g.agg) == 0 {
			continue
		}
		sig := Signal{Key: KindCouponLeakage + "|" + g.creatorID + "|" + strings.ToUpper(g.code), Kind: KindCouponLeakage,
			CreatorID: g.creatorID, Subject: "code " + g.code}
		affected := map[string]bool{}
		var refs []orderRef
		add := func(rs []orderRef) {
			for _, r := range rs {
				if !affected[r.ID] {
					affected[r.ID] = true
					refs = append(refs, r)
				}
			}
		}
		var why []string
		if leaked {
			why = append(why, fmt.Sprintf("%s of its orders had no click from the creator", pct(noClickBps)))
			sig.Evidence = append(sig.Evidence, fmt.Sprintf("Code %s: %d of %d orders (%s) had no click on the creator's links (threshold: %s of at least %d orders)",
				g.code, len(g.noClick), g.n, pct(noClickBps), pct(t.LeakageNoClickBps), t.LeakageMinOrders),
				"Orders without a creator click: "+refList(g.noClick))
			add(g.noClick)
		} else {
			sig.Evidence = append(sig.Evidence, fmt.Sprintf("Code %s: %d of %d orders (%s) had no click on the creator's links (below the %s of at least %d orders threshold)",
				g.code, len(g.noClick), g.n, pct(noClickBps), pct(t.LeakageNoClickBps), t.LeakageMinOrders))
		}
		if len(g.agg) > 0 {
			sites := make([]string, 0, len(g.aggSites))
			for d := range g.aggSites {
				sites = append(sites, d)
			}
			sort.Strings(sites)
			parts := make([]string, len(sites))
			for i, d := range sites {
				parts[i] = fmt.Sprintf("%s (%d)", d, g.aggSites[d])
			}
			why = append(why, fmt.Sprintf("%d order(s) came from coupon sites", len(g.agg)))
			sig.Evidence = append(sig.Evidence, fmt.Sprintf("%d order(s) were referred by coupon sites: %s", len(g.agg), strings.Join(parts, ", ")),
				"Orders from coupon sites: "+refList(g.agg))
			add(g.agg)
		}
		sig.Summary = fmt.Sprintf("Code %s looks shared beyond the creator's audience: %s", g.code, strings.Join(why, "; "))
		sig.OrderIDs = ids(refs)
		out = append(out, sig)
	}
	return out, nil
}

// clickSpam: many clicks on a link from one visitor, or a day's clicks far
// above the link's norm. Only human clicks count (bots are filtered out
// already).
func (s *Service) clickSpam(db *gorm.DB, b *brand.Brand, _ map[string]creatorInfo, from, to time.Time) ([]Signal, error) {
	t := s.Thresholds
	type linkInfo struct {
		ID, Slug, CreatorID string
		CreatedAt           time.Time
	}
	links := map[string]*linkInfo{}
	loadLinks := func(idList []string) error {
		var need []string
		for _, id := range idList {
			if links[id] == nil {
				need = append(need, id)
			}
		}
		return chunks(need, func(part []string) error {
			var ls []linkInfo
			if err := db.Raw("SELECT id, slug, creator_id, created_at FROM links WHERE brand_id = ? AND id IN ?", b.ID, part).Scan(&ls).Error; err != nil {
				return err
			}
			for i := range ls {
				links[ls[i].ID] = &ls[i]
			}
			return nil
		})
	}
	loc := location(b)
	var out []Signal

	// One visitor: visitor hashes change every day, so a hash's clicks are
	// one day's.
	var visitors []struct {
		LinkID, CreatorID, VisitorHash string
		N                              int
	}
	if err := db.Raw(`SELECT link_id, creator_id, visitor_hash, COUNT(*) AS n FROM clicks
		WHERE brand_id = ? AND clicked_at >= ? AND clicked_at < ? AND is_bot = ? AND visitor_hash <> ''
		GROUP BY link_id, creator_id, visitor_hash HAVING COUNT(*) >= ? ORDER BY link_id, visitor_hash`,
		b.ID, from, to, false, t.SpamVisitorClicks).Scan(&visitors).Error; err != nil {
		return nil, err
	}
	var linkIDs []string
	for _, v := range visitors {
		linkIDs = append(linkIDs, v.LinkID)
	}
	if err := loadLinks(linkIDs); err != nil {
		return nil, err
	}
	for _, v := range visitors {
		var first []struct{ ClickedAt time.Time }
		if err := db.Raw(`SELECT clicked_at FROM clicks WHERE link_id = ? AND brand_id = ? AND visitor_hash = ? AND clicked_at >= ? AND clicked_at < ?
			ORDER BY clicked_at LIMIT 1`, v.LinkID, b.ID, v.VisitorHash, from, to).Scan(&first).Error; err != nil {
			return nil, err
		}
		day := ""
		if len(first) > 0 {
			day = first[0].ClickedAt.In(loc).Format("2006-01-02")
		}
		slug := v.LinkID
		if l := links[v.LinkID]; l != nil {
			slug = "/" + l.Slug
		}
		refs, err := spamOrders(db, b.ID, v.CreatorID, "k.link_id = ? AND k.visitor_hash = ? AND k.clicked_at >= ? AND k.clicked_at < ?",
			v.LinkID, v.VisitorHash, from, to)
		if err != nil {
			return nil, err
		}
		short := v.VisitorHash
		if len(short) > 12 {
			short = short[:12] + "…"
		}
		sig := Signal{Key: KindClickSpam + "|" + v.CreatorID + "|" + v.LinkID + "|visitor|" + v.VisitorHash, Kind: KindClickSpam,
			CreatorID: v.CreatorID, Subject: "link " + slug,
			Summary: fmt.Sprintf("%d clicks on %s from one visitor on %s", v.N, slug, day),
			Evidence: []string{
				fmt.Sprintf("%d human clicks on link %s (%s) from one visitor (hash %s) on %s; the threshold is %d", v.N, slug, v.LinkID, short, day, t.SpamVisitorClicks),
				fmt.Sprintf("%d order(s) credited to the creator came from these clicks", len(refs)),
			}, OrderIDs: ids(refs)}
		if len(refs) > 0 {
			sig.Evidence = append(sig.Evidence, "Orders: "+refList(refs))
		}
		out = append(out, sig)
	}

	// Bursts: each local day's human clicks per link, the range and the
	// trailing window before it.
	start := dayStart(from.In(loc)).AddDate(0, 0, -t.SpamTrailingDays)
	var days []time.Time
	for d := start; d.Before(to); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	counts := map[string][]int{}
	for i, d := range days {
		var rs []struct {
			LinkID string
			N      int
		}
		if err := db.Raw(`SELECT link_id, COUNT(*) AS n FROM clicks WHERE brand_id = ? AND clicked_at >= ? AND clicked_at < ? AND is_bot = ?
			GROUP BY link_id`, b.ID, d.UTC(), d.AddDate(0, 0, 1).UTC(), false).Scan(&rs).Error; err != nil {
			return nil, err
		}
		for _, r := range rs {
			c := counts[r.LinkID]
			if c == nil {
				c = make([]int, len(days))
				counts[r.LinkID] = c
			}
			c[i] = r.N
		}
	}
	type burst struct {
		linkID string
		day    int
		n, med int
		hist   int
	}
	var bursts []burst
	for linkID, c := range counts {
		for i := t.SpamTrailingDays; i < len(days); i++ {
			if c[i] <= t.SpamBurstMin || days[i].Before(dayStart(from.In(loc))) {
				continue
			}
			bursts = append(bursts, burst{linkID: linkID, day: i, n: c[i]})
		}
	}
	linkIDs = linkIDs[:0]
	for _, bu := range bursts {
		linkIDs = append(linkIDs, bu.linkID)
	}
	if err := loadLinks(linkIDs); err != nil {
		return nil, err
	}
	sort.Slice(bursts, func(i, j int) bool {
		if bursts[i].linkID != bursts[j].linkID {
			return bursts[i].linkID < bursts[j].linkID
		}
		return bursts[i].day < bursts[j].day
	})
	for _, bu := range bursts {
		l := links[bu.linkID]
		if l == nil {
			continue
		}
		// The link's norm starts with its first click (and never before it
		// was created): a link that had no traffic yet has no norm, so a
		// creator's first post is not a burst.
		created := dayStart(l.CreatedAt.In(loc))
		c := counts[bu.linkID]
		first := 0
		for first < len(c) && c[first] == 0 {
			first++
		}
		var trail []int
		for j := max(bu.day-t.SpamTrailingDays, first); j < bu.day; j++ {
			if !days[j].Before(created) {
				trail = append(trail, c[j])
			}
		}
		if len(trail) < t.SpamMinHistory {
			continue
		}
		med := median(trail)
		if bu.n <= t.SpamBurstFactor*med {
			continue
		}
		day := days[bu.day]
		label := day.Format("2006-01-02")
		refs, err := spamOrders(db, b.ID, l.CreatorID, "k.link_id = ? AND k.clicked_at >= ? AND k.clicked_at < ? AND k.is_bot = ?",
			l.ID, day.UTC(), day.AddDate(0, 0, 1).UTC(), false)
		if err != nil {
			return nil, err
		}
		sig := Signal{Key: KindClickSpam + "|" + l.CreatorID + "|" + l.ID + "|burst|" + label, Kind: KindClickSpam,
			CreatorID: l.CreatorID, Subject: "link /" + l.Slug,
			Summary: fmt.Sprintf("A burst of %d clicks on /%s on %s, against a median of %d a day", bu.n, l.Slug, label, med),
			Evidence: []string{
				fmt.Sprintf("%d human clicks on link /%s (%s) on %s", bu.n, l.Slug, l.ID, label),
				fmt.Sprintf("Median of the %d previous days: %d a day; the rule is more than %d× the median and more than %d", len(trail), med, t.SpamBurstFactor, t.SpamBurstMin),
				fmt.Sprintf("%d order(s) credited to the creator came from that day's clicks", len(refs)),
			}, OrderIDs: ids(refs)}
		if len(refs) > 0 {
			sig.Evidence = append(sig.Evidence, "Orders: "+refList(refs))
		}
		out = append(out, sig)
	}
	return out, nil
}

// spamOrders lists the creator's orders whose click matches where (on
// clicks k).
func spamOrders(db *gorm.DB, brandID, creatorID, where string, args ...any) ([]orderRef, error) {
	var refs []orderRef
	q := `SELECT o.id, o.external_id FROM clicks k JOIN orders o ON o.click_id = k.id AND o.click_id <> ''
		WHERE k.brand_id = ? AND ` + where + ` AND o.brand_id = ? AND o.creator_id = ? ORDER BY o.placed_at, o.id`
	all := append([]any{brandID}, args...)
	all = append(all, brandID, creatorID)
	err := db.Raw(q, all...).Scan(&refs).Error
	return refs, err
}

func median(xs []int) int {
	s := append([]int(nil), xs...)
	sort.Ints(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func dayStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// location is the brand's time zone (UTC when unknown).
func location(b *brand.Brand) *time.Location {
	if b.TimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(b.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// refundRate: a creator whose refunded share of net revenue is far above
// the brand's.
func (s *Service) refundRate(db *gorm.DB, b *brand.Brand, _ map[string]creatorInfo, from, to time.Time) ([]Signal, error) {
	var rows []struct {
		CreatorID *string
		N         int
		Refunds   int
		Net       int64
		Refunded  int64
	}
	if err := db.Raw(`SELECT creator_id, COUNT(*) AS n, SUM(CASE WHEN refunded > 0 THEN 1 ELSE 0 END) AS refunds,
			COALESCE(SUM(net), 0) AS net, COALESCE(SUM(refunded), 0) AS refunded
		FROM orders WHERE brand_id = ? AND currency = ? AND placed_at >= ? AND placed_at < ? GROUP BY creator_id`,
		b.ID, b.Currency, from, to).Scan(&rows).Error; err != nil {
		return nil, err
	}
	var brandNet, brandRefunded int64
	for _, r := range rows {
		brandNet += r.Net
		brandRefunded += r.Refunded
	}
	brandBps := share(brandRefunded, brandNet)
	t := s.Thresholds
	var out []Signal
	for _, r := range rows {
		if r.CreatorID == nil || r.N < t.RefundMinOrders {
			continue
		}
		bps := share(r.Refunded, r.Net)
		if bps < t.RefundMinBps || bps < t.RefundFactor*brandBps {
			continue
		}
		var refs []orderRef
		if err := db.Raw(`SELECT id, external_id FROM orders WHERE brand_id = ? AND creator_id = ? AND currency = ? AND placed_at >= ? AND placed_at < ?
			ORDER BY placed_at, id`, b.ID, *r.CreatorID, b.Currency, from, to).Scan(&refs).Error; err != nil {
			return nil, err
		}
		cur := b.Currency
		out = append(out, Signal{Key: KindRefundRate + "|" + *r.CreatorID, Kind: KindRefundRate, CreatorID: *r.CreatorID,
			Subject: "refunds",
			Summary: fmt.Sprintf("%s of the creator's revenue was refunded, against %s for the brand", pct(bps), pct(brandBps)),
			Evidence: []string{
				fmt.Sprintf("Creator: %s refunded of %s net revenue (%s), %d of %d orders with a refund", money.Amount{Minor: r.Refunded, Currency: cur},
					money.Amount{Minor: r.Net, Currency: cur}, pct(bps), r.Refunds, r.N),
				fmt.Sprintf("Brand: %s refunded of %s net revenue (%s)", money.Amount{Minor: brandRefunded, Currency: cur}, money.Amount{Minor: brandNet, Currency: cur}, pct(brandBps)),
				fmt.Sprintf("The rule: at least %d orders, at least %s refunded and at least %d× the brand's rate", t.RefundMinOrders, pct(t.RefundMinBps), t.RefundFactor),
				"Orders in the range (a hold takes their commissions): " + refList(refs),
			}, OrderIDs: ids(refs)})
	}
	return out, nil
}
