package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/store"
)

// This file draws the demo's people and events from the seed; nothing here
// touches the database. demo.go stores them through the services.

// Roles give a few creators a story the pages should tell.
const (
	roleStar    = "star"      // the top creator: a portal password, milestone bonuses
	roleSelf    = "self"      // ordered once with their own code (self-referral)
	roleLeaky   = "leaky"     // their code leaked to coupon sites (coupon leakage)
	roleSpammy  = "spammy"    // a burst of repeat clicks one afternoon (click spam)
	roleRefunds = "refunds"   // customers send a lot back (unusual refund rate)
	roleNoPay   = "no_payout" // no payout email yet: skipped by the payout
	rolePaused  = "paused"    // stopped posting, paused at the end
)

// persona is one demo creator, before and after it is stored.
type persona struct {
	Name, First, Email, PayoutEmail string
	Handles                         map[creator.Platform]creator.HandleInput
	Platform                        creator.Platform // main platform
	Niche, Country                  string
	Rank                            int     // 0 is the biggest
	Weight                          float64 // share of the brand's traffic
	Conv                            float64 // orders per unique human click
	RefundProb                      float64
	CodeBps                         int64 // the code's discount
	Start, Stop                     int   // days with activity: [Start, Stop)
	Role                            string
	Links                           []linkSpec
	posts                           []post

	// Filled when stored.
	ID     string
	Code   string
	linkID []string
}

type linkSpec struct {
	Label, Path string
	Platform    creator.Platform
	Product     int // index in products, -1 for the shop's home
	Weight      float64
}

type post struct {
	day int
	amp float64
}

// clickRec is one click to insert.
type clickRec struct {
	ID                        string
	At                        time.Time
	Creator, Link             int
	Visitor                   string
	Referrer, Device, Country string
	Bot, Unique               bool
}

type lineRec struct {
	Product, Qty int
}

// orderRec is one order to send through order.Service, with what happens
// to it later.
type orderRec struct {
	Ext       string
	At        time.Time
	Creator   int // the creator whose click or code it carries; -1 none
	ClickID   string
	Codes     []string
	Email     string
	Referring string
	Lines     []lineRec
	Discount  int64 // bps off every line
	Refund    *refundRec
	CancelAt  *time.Time

	// Filled when stored.
	ID string
}

type refundRec struct {
	At   time.Time
	Full bool // else the first line, one unit
}

// gen holds the random source and the frame of the demo.
type gen struct {
	r     *rand.Rand
	loc   *time.Location
	start time.Time // local midnight of day 0
	now   time.Time
	days  int
	seed  uint64
}

func newGen(seed uint64, days int, now time.Time, loc *time.Location) *gen {
	today := now.In(loc)
	midnight := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
	return &gen{r: rand.New(rand.NewPCG(seed, 0x636c6f7574)), loc: loc, start: midnight.AddDate(0, 0, -(days - 1)), now: now, days: days, seed: seed}
}

// dayStart is local midnight of day d.
func (g *gen) dayStart(d int) time.Time { return g.start.AddDate(0, 0, d) }

func (g *gen) pickWeighted(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := g.r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// poisson draws a count with mean l.
func (g *gen) poisson(l float64) int {
	if l <= 0 {
		return 0
	}
	if l > 40 {
		return max(0, int(math.Round(l+math.Sqrt(l)*g.r.NormFloat64())))
	}
	limit, p, k := math.Exp(-l), 1.0, 0
	for {
		p *= g.r.Float64()
		if p <= limit {
			return k
		}
		k++
	}
}

// timeIn is a time during local day d, evening-heavy.
func (g *gen) timeIn(d int) time.Time {
	w := make([]float64, 24)
	for i, v := range hourly {
		w[i] = float64(v)
	}
	h := g.pickWeighted(w)
	sec := h*3600 + g.r.IntN(3600)
	return g.dayStart(d).Add(time.Duration(sec) * time.Second).Add(time.Duration(g.r.IntN(1000)) * time.Millisecond).UTC()
}

func (g *gen) hash(parts ...any) string {
	h := sha256.Sum256([]byte(fmt.Sprint(append([]any{g.seed}, parts...)...)))
	return hex.EncodeToString(h[:16])
}

// personas draws n creators and gives the roles out.
func (g *gen) personas(n int) []*persona {
	firsts := append([]string(nil), firstNames...)
	g.r.Shuffle(len(firsts), func(i, j int) { firsts[i], firsts[j] = firsts[j], firsts[i] })
	ranks := g.r.Perm(n)
	ps := make([]*persona, n)
	pw := make([]float64, len(platformShare))
	for i, s := range platformShare {
		pw[i] = float64(s.Weight)
	}
	cw := make([]float64, len(countries))
	for i, c := range countries {
		cw[i] = float64(c.Weight)
	}
	total := 0.0
	for i := range ps {
		first := firsts[i%len(firsts)]
		if i >= len(firsts) {
			first += fmt.Sprint(i / len(firsts))
		}
		last := lastNames[g.r.IntN(len(lastNames))]
		p := &persona{Name: first + " " + last, First: first, Rank: ranks[i]}
		local := strings.ToLower(first + "." + last)
		p.Email = local + "@creators.example"
		p.PayoutEmail = p.Email
		if g.r.IntN(3) == 0 {
			p.PayoutEmail = strings.ToLower(first+last) + "@payouts.example"
		}
		p.Platform = platformShare[g.pickWeighted(pw)].P
		p.Niche = niches[g.r.IntN(len(niches))]
		p.Country = countries[g.pickWeighted(cw)].Code
		// Audience: the biggest creators reach a million, the tail a few thousand.
		audience := int64(1_500_000/math.Pow(float64(p.Rank+1), 1.3)) + int64(2000+g.r.IntN(8000))
		handle := "@" + strings.ToLower(first) + "." + handleSuffixes[g.r.IntN(len(handleSuffixes))]
		p.Handles = map[creator.Platform]creator.HandleInput{p.Platform: {Handle: handle, Audience: audience}}
		if g.r.IntN(5) < 2 { // a second platform
			second := platformShare[g.pickWeighted(pw)].P
			if second != p.Platform {
				p.Handles[second] = creator.HandleInput{Handle: handle, Audience: audience / int64(2+g.r.IntN(6))}
			}
		}
		p.Weight = 1 / math.Pow(float64(p.Rank+1), 1.05)
		total += p.Weight
		p.Conv = 0.025 * math.Exp(0.35*g.r.NormFloat64())
		p.RefundProb = 0.05
		p.CodeBps = []int64{1000, 1500, 1500, 2000}[g.r.IntN(4)]
		p.Start, p.Stop = 0, g.days
		ps[i] = p
	}
	for _, p := range ps {
		p.Weight /= total
	}
	byRank := make([]*persona, n)
	for _, p := range ps {
		byRank[p.Rank] = p
	}
	role := func(rank int, r string) {
		if rank >= 0 && rank < n && byRank[rank].Role == "" {
			byRank[rank].Role = r
		}
	}
	role(0, roleStar)
	role(1, roleSelf)
	role(n/3, roleLeaky)
	role(n/2, roleSpammy)
	role(n/2+1, roleRefunds)
	role(n-3, roleNoPay)
	role(n-1, rolePaused)
	if n >= 20 {
		role(n-2, rolePaused)
	}
	for _, p := range ps {
		switch p.Role {
		case roleStar:
			p.Conv *= 1.3
		case roleNoPay:
			p.PayoutEmail = ""
		case roleRefunds:
			p.RefundProb = 0.4
		case rolePaused:
			p.Stop = g.days - 12
		case "":
			// A third of the tail joined the program along the way.
			if p.Rank >= 2*n/3 && g.r.IntN(3) == 0 {
				p.Start = g.days/3 + g.r.IntN(g.days/3)
			}
		}
		g.links(p)
		g.schedulePosts(p)
	}
	return ps
}

// links gives a creator a bio link and, for the bigger ones, links to posts.
func (g *gen) links(p *persona) {
	p.Links = []linkSpec{{Label: "Bio link", Path: "/", Platform: p.Platform, Product: -1, Weight: 3}}
	extra := g.r.IntN(3) // 0..2
	if p.Rank < 5 {
		extra = 2
	}
	labels := g.r.Perm(len(linkLabels))
	for i := 0; i < extra; i++ {
		prod := g.r.IntN(len(products))
		p.Links = append(p.Links, linkSpec{Label: linkLabels[labels[i]] + " (" + products[prod].Title + ")",
			Path: products[prod].Path, Platform: p.Platform, Product: prod, Weight: 1.5 - 0.5*float64(i)})
	}
}

// schedulePosts: a creator posts every week or so, often at the weekend;
// each post lifts their clicks for a few days.
func (g *gen) schedulePosts(p *persona) {
	if p.Stop <= p.Start {
		return
	}
	n := g.days/9 + g.r.IntN(3)
	for i := 0; i < n; i++ {
		d := p.Start + g.r.IntN(p.Stop-p.Start)
		if wd := g.dayStart(d).Weekday(); wd >= time.Monday && wd <= time.Thursday && g.r.IntN(2) == 0 {
			if s := d + int(time.Saturday-wd); s < p.Stop {
				d = s
			}
		}
		p.posts = append(p.posts, post{day: d, amp: 0.6 + 1.4*g.r.Float64()})
	}
}

// lift is the posts' effect on day d.
func (p *persona) lift(d int) float64 {
	m := 1.0
	for _, q := range p.posts {
		if d >= q.day {
			m += q.amp * math.Exp(-float64(d-q.day)/1.5)
		}
	}
	return m
}

// traffic is the expected human clicks of a creator on day d.
func (g *gen) traffic(p *persona, d int, perDay float64) float64 {
	if d < p.Start || d >= p.Stop {
		return 0
	}
	trend := 0.8 + 0.4*float64(d)/float64(max(g.days-1, 1))
	return perDay * p.Weight * weekday[g.dayStart(d).Weekday()] * trend * p.lift(d)
}

// events draws every click and order of the demo, clicks in time order.
func (g *gen) events(ps []*persona, perDay float64) ([]clickRec, []*orderRec) {
	var clicks []clickRec
	var orders []*orderRec
	customers := 0
	var pool []string
	customer := func() string {
		if len(pool) > 20 && g.r.Float64() < 0.22 {
			return pool[g.r.IntN(len(pool))]
		}
		customers++
		e := fmt.Sprintf("customer%05d@example.com", customers)
		pool = append(pool, e)
		return e
	}
	cw := make([]float64, len(countries))
	for i, c := range countries {
		cw[i] = float64(c.Weight)
	}
	spamDay := g.days - 20
	for d := 0; d < g.days; d++ {
		var day []clickRec
		for ci, p := range ps {
			lw := make([]float64, len(p.Links))
			for i, l := range p.Links {
				lw[i] = l.Weight
			}
			lambda := g.traffic(p, d, perDay)
			n := g.poisson(lambda)
			var cs []clickRec
			recent := map[int][]string{} // link → today's visitors
			for i := 0; i < n; i++ {
				li := g.pickWeighted(lw)
				c := clickRec{At: g.timeIn(d), Creator: ci, Link: li}
				if vs := recent[li]; len(vs) > 0 && g.r.Float64() < 0.05 {
					c.Visitor = vs[g.r.IntN(len(vs))] // the same person again
				} else {
					c.Visitor = g.hash("v", d, ci, li, i)
					recent[li] = append(recent[li], c.Visitor)
				}
				refs := referrers[p.Links[li].Platform]
				c.Referrer = refs[g.r.IntN(len(refs))]
				c.Device = "desktop"
				if x := g.r.Float64(); x < mobileShare[p.Platform] {
					c.Device = "mobile"
				} else if x < mobileShare[p.Platform]+0.05 {
					c.Device = "tablet"
				}
				c.Country = countries[g.pickWeighted(cw)].Code
				cs = append(cs, c)
				if g.r.Float64() < 0.14 {
					// Back a few minutes later (a second tap, a reload): not unique.
					again := c
					again.At = c.At.Add(time.Duration((0.5 + g.r.ExpFloat64()*10) * float64(time.Minute)))
					cs = append(cs, again)
				}
			}
			if p.Role == roleSpammy && d == spamDay {
				// Three visitors hammer the bio link for two hours.
				at := g.dayStart(d).Add(14 * time.Hour)
				for i := 0; i < 300; i++ {
					cs = append(cs, clickRec{At: at.Add(time.Duration(g.r.IntN(7200)) * time.Second).UTC(), Creator: ci, Link: 0,
						Visitor: g.hash("spam", i%3), Referrer: "", Device: "desktop", Country: "US"})
				}
			}
			// Crawlers and link previews.
			for i, nb := 0, g.poisson(0.07*lambda+0.3); i < nb; i++ {
				cs = append(cs, clickRec{At: g.timeIn(d), Creator: ci, Link: g.r.IntN(len(p.Links)), Visitor: g.hash("b", d, ci, i),
					Device: "other", Bot: true})
			}
			day = append(day, cs...)
			// Orders with the code and no click: people who typed it from a video.
			for i, k := 0, g.poisson(lambda*0.88*p.Conv*codeAffinity[p.Platform]); i < k; i++ {
				orders = append(orders, &orderRec{At: g.timeIn(d), Creator: ci, Codes: []string{p.Code}, Email: customer()})
			}
			if p.Role == roleLeaky && d >= g.days-28 && d < p.Stop {
				for i, k := 0, g.poisson(1.6); i < k; i++ {
					orders = append(orders, &orderRec{At: g.timeIn(d), Creator: ci, Codes: []string{p.Code}, Email: customer(),
						Referring: couponSites[g.r.IntN(len(couponSites))]})
				}
			}
			if p.Role == roleSelf && d == g.days-18 {
				orders = append(orders, &orderRec{At: g.timeIn(d), Creator: ci, Codes: []string{p.Code}, Email: p.Email})
			}
		}
		// The shop's own customers: no creator, sometimes a store code.
		for i, k := 0, g.poisson(perDay/60*weekday[g.dayStart(d).Weekday()]); i < k; i++ {
			o := &orderRec{At: g.timeIn(d), Creator: -1, Email: customer()}
			if g.r.IntN(4) == 0 {
				o.Codes = []string{storeCodes[g.r.IntN(len(storeCodes))]}
			}
			orders = append(orders, o)
		}
		// Uniqueness follows time: the first click of a visitor on a link
		// in an hour is unique (click.UniqueWindow).
		sort.SliceStable(day, func(i, j int) bool { return day[i].At.Before(day[j].At) })
		last := map[string]time.Time{}
		for i := range day {
			c := &day[i]
			if !c.At.Before(g.now) {
				c.Creator = -1 // not yet happened
				continue
			}
			if c.Bot {
				continue
			}
			key := c.Visitor + "|" + fmt.Sprint(c.Creator, ".", c.Link)
			prev, seen := last[key]
			c.Unique = !seen || c.At.Sub(prev) >= time.Hour
			last[key] = c.At
		}
		for _, c := range day {
			if c.Creator < 0 {
				continue
			}
			c.ID = store.NewTimeID("clk")
			clicks = append(clicks, c)
			p := ps[c.Creator]
			if c.Bot || !c.Unique || g.r.Float64() >= p.Conv {
				continue
			}
			// Most buy within the hour; some come back days later.
			delay := time.Duration(g.r.ExpFloat64()*25*float64(time.Minute)) + time.Minute
			if g.r.IntN(10) < 3 {
				delay = time.Duration(1+g.r.IntN(6))*24*time.Hour + time.Duration(g.r.IntN(86400))*time.Second
			}
			o := &orderRec{At: c.At.Add(delay), Creator: c.Creator, ClickID: c.ID, Email: customer()}
			if g.r.Float64() < 0.35 {
				o.Codes = []string{p.Code}
			}
			if prod := p.Links[c.Link].Product; prod >= 0 {
				o.Lines = []lineRec{{Product: prod, Qty: 1}}
			}
			orders = append(orders, o)
		}
	}
	// Only what has happened by now; then basket, refunds and cancellations.
	kept := orders[:0]
	for _, o := range orders {
		if o.At.Before(g.now) {
			kept = append(kept, o)
		}
	}
	orders = kept
	sort.SliceStable(orders, func(i, j int) bool { return orders[i].At.Before(orders[j].At) })
	pw := make([]float64, len(products))
	for i, p := range products {
		pw[i] = float64(p.Weight)
	}
	for i, o := range orders {
		o.Ext = fmt.Sprintf("GL-%06d", 100001+i)
		o.At = o.At.Truncate(time.Second)
		n := 1
		if x := g.r.IntN(10); x >= 9 {
			n = 3
		} else if x >= 6 {
			n = 2
		}
		have := map[int]bool{}
		for _, l := range o.Lines {
			have[l.Product] = true
		}
		for len(o.Lines) < n {
			prod := g.pickWeighted(pw)
			if have[prod] {
				continue
			}
			have[prod] = true
			o.Lines = append(o.Lines, lineRec{Product: prod, Qty: 1})
		}
		for j := range o.Lines {
			if g.r.IntN(8) == 0 {
				o.Lines[j].Qty = 2
			}
		}
		switch {
		case len(o.Codes) == 0:
		case o.Creator >= 0 && o.Codes[0] == ps[o.Creator].Code:
			o.Discount = ps[o.Creator].CodeBps
		case o.Codes[0] == "WELCOME10":
			o.Discount = 1000
		}
		prob := 0.05
		if o.Creator >= 0 {
			prob = ps[o.Creator].RefundProb
		}
		if g.r.Float64() < prob {
			at := o.At.Add(time.Duration(2+g.r.IntN(19))*24*time.Hour + time.Duration(g.r.IntN(86400))*time.Second)
			if at.Before(g.now) {
				o.Refund = &refundRec{At: at, Full: g.r.IntN(20) < 11}
			}
		}
	}
	// Two orders are cancelled before they ship.
	for k := 0; k < 2 && len(orders) > 10; k++ {
		for tries := 0; tries < 50; tries++ {
			o := orders[len(orders)/4+g.r.IntN(len(orders)/2)]
			if o.Refund == nil && o.CancelAt == nil {
				at := o.At.Add(3 * time.Hour)
				o.CancelAt = &at
				break
			}
		}
	}
	return clicks, orders
}

// money of an order, as a shop computes it.
func (o *orderRec) amounts() (lines []struct{ Unit, Discount int64 }, net, shipping, tax int64) {
	for _, l := range o.Lines {
		p := products[l.Product]
		gross := p.Price * int64(l.Qty)
		disc := (gross*o.Discount + 5000) / 10000
		lines = append(lines, struct{ Unit, Discount int64 }{p.Price, disc})
		net += gross - disc
	}
	if net < 5000 {
		shipping = 595
	}
	tax = (net*700 + 5000) / 10000
	return lines, net, shipping, tax
}
