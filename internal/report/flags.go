package report

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/money"
)

// The flag rules.
//
// Top performer ("consider a higher tier"): in the range, the creator is
// among the top TopShareBps of the creators with revenue (rank ≤
// ceil(n × 10%), n ≥ TopMinCreators), has at least TopMinOrders orders, and
// converts better than the brand as a whole (orders × 10000 / human clicks
// above the brand's).
//
// Underperforming for N weeks: the weeks are the 7-day blocks ending with
// the range's last day, going back at most UnderWeeksBack weeks. A week is
// judged when at least UnderMinPeers creators had revenue in it; the
// benchmark is the median revenue of those creators. An active creator
// who was in the program for the whole week underperforms it when their
// revenue is below UnderShareBps of the benchmark. N is the number of
// consecutive such weeks ending with the latest; the flag shows when N ≥
// UnderMinWeeks. The evidence lists each week with the creator's revenue
// and clicks against the medians.
const (
	TopShareBps    = 1000
	TopMinCreators = 5
	TopMinOrders   = 3

	UnderWeeksBack = 12
	UnderMinPeers  = 3
	UnderShareBps  = 2500
	UnderMinWeeks  = 2
)

// pct formats basis points as a percentage ("4.10%").
func pct(bps int64) string {
	sign := ""
	if bps < 0 {
		sign, bps = "-", -bps
	}
	return fmt.Sprintf("%s%d.%02d%%", sign, bps/100, bps%100)
}

func amount(v int64, currency string) string {
	return money.Amount{Minor: v, Currency: currency}.String()
}

// median of vs (sorted in place); the lower middle for an even count.
func median(vs []int64) int64 {
	if len(vs) == 0 {
		return 0
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i] < vs[j] })
	return vs[(len(vs)-1)/2]
}

// flags computes the flags of every creator (or of only creatorID) for r.
func (s *Service) flags(ctx context.Context, b *brand.Brand, r Range, creatorID string) (map[string][]Flag, error) {
	out := map[string][]Flag{}
	infos, err := s.creators(ctx, b.ID, nil)
	if err != nil {
		return nil, err
	}
	first, last := r.FirstDay(), r.LastDay()

	// Top performers.
	brandTotal, err := s.total(ctx, b, r, "")
	if err != nil {
		return nil, err
	}
	byCreator, err := s.creatorTotals(ctx, b, r, "", "creator_id")
	if err != nil {
		return nil, err
	}
	var selling []sums
	for _, t := range byCreator {
		if t.Revenue > 0 {
			selling = append(selling, t)
		}
	}
	sortSums(selling)
	n := len(selling)
	if n >= TopMinCreators && brandTotal.Clicks > 0 {
		top := (n*TopShareBps + 9999) / 10000 // ceil(n × share)
		brandConv := div(brandTotal.Orders*10000, brandTotal.Clicks)
		for i, t := range selling[:top] {
			if creatorID != "" && t.Key != creatorID {
				continue
			}
			if t.Orders < TopMinOrders || t.Clicks == 0 {
				continue
			}
			conv := div(t.Orders*10000, t.Clicks)
			if conv <= brandConv {
				continue
			}
			out[t.Key] = append(out[t.Key], Flag{Kind: FlagTopPerformer,
				Message: "Top performer: consider a higher tier",
				Evidence: []string{
					fmt.Sprintf("Revenue %s from %s to %s: #%d of %d creators with sales (top %s)",
						amount(t.Revenue, b.Currency), first, last, i+1, n, pct(TopShareBps)),
					fmt.Sprintf("Conversion %s (%d orders from %d human clicks) against the brand's %s (%d orders from %d clicks)",
						pct(conv), t.Orders, t.Clicks, pct(brandConv), brandTotal.Orders, brandTotal.Clicks),
					fmt.Sprintf("Commission %s, %s of the revenue they drove", amount(t.Commission, b.Currency),
						pct(div(t.Commission*10000, t.Revenue))),
				}})
		}
	}

	// Underperformers: revenue and clicks per creator and week, in one query.
	loc := Location(b)
	end := r.To.In(loc)
	bounds := make([]string, UnderWeeksBack+1) // bounds[i] is the first day of week i (0 = latest); bounds[0+...]
	for i := 0; i <= UnderWeeksBack; i++ {
		bounds[i] = end.AddDate(0, 0, -7*i).Format("2006-01-02")
	}
	var cs strings.Builder
	cs.WriteString("CASE")
	args := []any{}
	for i := 1; i <= UnderWeeksBack; i++ {
		cs.WriteString(" WHEN day >= ? THEN ?")
		args = append(args, bounds[i], i-1)
	}
	cs.WriteString(" ELSE -1 END")
	var weekly []struct {
		CreatorID string
		Week      int
		Revenue   int64
		Clicks    int64
	}
	err = s.db.WithContext(ctx).Table("report_creator_daily").
		Select("creator_id, "+cs.String()+" AS week, CAST(SUM(revenue) AS BIGINT) AS revenue, CAST(SUM(clicks) AS BIGINT) AS clicks", args...).
		Where("brand_id = ? AND day >= ? AND day < ?", b.ID, bounds[UnderWeeksBack], bounds[0]).
		Group("creator_id, week").Scan(&weekly).Error
	if err != nil {
		return nil, err
	}
	type cw struct {
		creator string
		week    int
	}
	rev, clk := map[cw]int64{}, map[cw]int64{}
	revs, clks := make([][]int64, UnderWeeksBack), make([][]int64, UnderWeeksBack)
	for _, w := range weekly {
		if w.Week < 0 || w.Week >= UnderWeeksBack {
			continue
		}
		rev[cw{w.CreatorID, w.Week}], clk[cw{w.CreatorID, w.Week}] = w.Revenue, w.Clicks
		if w.Revenue > 0 {
			revs[w.Week] = append(revs[w.Week], w.Revenue)
		}
		if w.Clicks > 0 {
			clks[w.Week] = append(clks[w.Week], w.Clicks)
		}
	}
	medRev, medClk := make([]int64, UnderWeeksBack), make([]int64, UnderWeeksBack)
	judged := make([]bool, UnderWeeksBack)
	for w := range UnderWeeksBack {
		judged[w] = len(revs[w]) >= UnderMinPeers
		medRev[w], medClk[w] = median(revs[w]), median(clks[w])
	}
	for id, info := range infos {
		if creatorID != "" && id != creatorID {
			continue
		}
		if info.Status != "active" {
			continue
		}
		var evidence []string
		weeks := 0
		for w := range UnderWeeksBack {
			start, _ := parseDay(bounds[w+1], b)
			if !judged[w] || info.CreatedAt.After(start) {
				break
			}
			v := rev[cw{id, w}]
			if v*10000 >= medRev[w]*UnderShareBps {
				break
			}
			weeks++
			lastDay, _ := parseDay(bounds[w], b)
			evidence = append(evidence, fmt.Sprintf("Week %s to %s: revenue %s against the median creator's %s (%s); %d human clicks against a median of %d",
				bounds[w+1], lastDay.AddDate(0, 0, -1).Format("2006-01-02"), amount(v, b.Currency), amount(medRev[w], b.Currency),
				pct(div(v*10000, medRev[w])), clk[cw{id, w}], medClk[w]))
		}
		if weeks >= UnderMinWeeks {
			out[id] = append(out[id], Flag{Kind: FlagUnderperforming, Weeks: weeks,
				Message:  fmt.Sprintf("Underperforming for %d weeks", weeks),
				Evidence: evidence})
		}
	}
	return out, nil
}
