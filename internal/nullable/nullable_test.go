package nullable

import (
	"encoding/json"
	"testing"
)

func TestValue(t *testing.T) {
	type body struct {
		N Value[int64] `json:"n"`
	}
	for _, c := range []struct {
		in       string
		set, nul bool
		v        int64
	}{
		{`{}`, false, true, 0},
		{`{"n": null}`, true, true, 0},
		{`{"n": 42}`, true, false, 42},
	} {
		var b body
		if err := json.Unmarshal([]byte(c.in), &b); err != nil {
			t.Fatal(c.in, err)
		}
		if b.N.Set != c.set || (b.N.V == nil) != c.nul || (b.N.V != nil && *b.N.V != c.v) {
			t.Errorf("%s: got %+v", c.in, b.N)
		}
	}
	var b body
	if err := json.Unmarshal([]byte(`{"n": "x"}`), &b); err == nil {
		t.Error("a string for an int64 was accepted")
	}
	if out, _ := json.Marshal(body{N: Of[int64](7)}); string(out) != `{"n":7}` {
		t.Errorf("marshal: %s", out)
	}
}
