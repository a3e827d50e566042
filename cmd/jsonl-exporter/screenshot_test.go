// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"encoding/xml"
	"flag"
	"fmt"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "redraw docs/img/watch.svg from the view on a running demo")

// The screenshot's look: a dark terminal, text in a light grey.
const (
	svgCellW    = 8.4 // a 14 px monospace font's advance
	svgCellH    = 17.0
	svgPad      = 12.0
	svgBg       = "#1c1c1c"
	svgDefaultF = "#d0d0d0"
)

// screenSVG draws the emulator's screen as an SVG image: each run of
// cells of one colour is a tspan whose characters are placed on the
// cell grid one by one, so that braille, box drawing and letters line up
// whatever font the reader falls back to.
func screenSVG(emu *vt.Emulator) string {
	w, h := emu.Width(), emu.Height()
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f">`+"\n",
		2*svgPad+float64(w)*svgCellW, 2*svgPad+float64(h)*svgCellH, 2*svgPad+float64(w)*svgCellW, 2*svgPad+float64(h)*svgCellH)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" rx="6" fill="%s"/>`+"\n", svgBg)
	fmt.Fprintf(&b, `<g font-family="'DejaVu Sans Mono','Menlo','Consolas',monospace" font-size="14px" fill="%s" xml:space="preserve">`+"\n", svgDefaultF)
	for y := range h {
		var line strings.Builder
		fill, xs, text := "", []string(nil), strings.Builder{}
		flush := func() {
			if text.Len() == 0 {
				return
			}
			attr := ""
			if fill != "" {
				attr = ` fill="` + fill + `"`
			}
			fmt.Fprintf(&line, `<tspan x="%s"%s>`, strings.Join(xs, " "), attr)
			_ = xml.EscapeText(&line, []byte(text.String()))
			line.WriteString("</tspan>")
			xs, fill = nil, ""
			text.Reset()
		}
		for x := 0; x < w; x++ {
			c := emu.CellAt(x, y)
			if c == nil || c.Content == "" || c.Content == " " {
				flush()
				continue
			}
			f := hexColour(c.Style.Fg)
			if f != fill || text.Len() == 0 {
				flush()
				fill = f
			}
			xs = append(xs, fmt.Sprintf("%.1f", svgPad+float64(x)*svgCellW))
			text.WriteString(c.Content)
		}
		flush()
		if line.Len() > 0 {
			fmt.Fprintf(&b, `<text y="%.1f">%s</text>`+"\n", svgPad+float64(y)*svgCellH+svgCellH*0.78, line.String())
		}
	}
	b.WriteString("</g>\n</svg>\n")
	return b.String()
}

// hexColour writes a cell's colour as #rrggbb; "" for the default.
func hexColour(c color.Color) string {
	if c == nil {
		return ""
	}
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

// TestScreenSVG: the image holds the screen's text on the cell grid, in
// the cells' colours, and is well-formed XML.
func TestScreenSVG(t *testing.T) {
	emu := vt.NewEmulator(12, 2)
	_, _ = emu.WriteString("\x1b[38;5;39m1 a<b\x1b[0m ok\r\n⠉⠓ &")
	svg := screenSVG(emu)
	dec := xml.NewDecoder(strings.NewReader(svg))
	var texts []string
	var fills []string
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed: %v\n%s", err, svg)
			}
			break
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			for _, a := range tok.Attr {
				if tok.Name.Local == "tspan" && a.Name.Local == "fill" {
					fills = append(fills, a.Value)
				}
			}
		case xml.CharData:
			if s := strings.TrimSpace(string(tok)); s != "" {
				texts = append(texts, s)
			}
		}
	}
	// Colour 39 of the 256 is #00afff; spaces split the runs of cells.
	if want := []string{"1", "a<b", "ok", "⠉⠓", "&"}; strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Errorf("texts %q, want %q", texts, want)
	}
	if strings.Join(fills, " ") != "#00afff #00afff" {
		t.Errorf("fills %q", fills)
	}
	if !strings.Contains(svg, `<tspan x="28.8 37.2 45.6" fill="#00afff">a&lt;b</tspan>`) {
		t.Errorf("a<b is not placed on cells 2 to 4:\n%s", svg)
	}
}

// TestWatchScreenshot redraws docs/img/watch.svg (with
// -update-screenshot): the view on the demo's runs, as a user sees it.
func TestWatchScreenshot(t *testing.T) {
	if !*updateScreenshot {
		t.Skip("redraws docs/img/watch.svg with -update-screenshot")
	}
	dir := t.TempDir()
	demo := exec.Command(binary, "demo", "--demo.dir", dir, "--demo.interval", "20ms", "--web.listen-address", "127.0.0.1:0")
	if err := demo.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = demo.Process.Kill(); _ = demo.Wait() })
	time.Sleep(40 * time.Second) // past the demo's spike and NaN
	w := startPTYWatch(t, 34, 110, nil, dir)
	w.waitShown(10*time.Second, "train_loss by step", "q quit")
	w.press("++++") // smoothing of 20
	w.waitShown(5*time.Second, "smoothed")
	time.Sleep(2 * time.Second)
	w.mu.Lock()
	svg := screenSVG(w.emu)
	w.mu.Unlock()
	if err := os.WriteFile(filepath.Join("..", "..", "docs", "img", "watch.svg"), []byte(svg), 0o644); err != nil {
		t.Fatal(err)
	}
	w.press("q")
	w.exit()
}
