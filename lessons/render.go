package lessons

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Width is the terminal width the tour is written for: every line it
// prints fits in 80 columns.
const Width = 80

// Index lists the lessons with the student's progress, then those not
// yet available.
func Index(p *Progress) string {
	var b strings.Builder
	b.WriteString("Lessons (learn N starts or resumes lesson N):\n")
	lines := map[int]string{}
	for _, l := range All() {
		note := p.Status(l)
		if l.Root {
			note = strings.TrimSpace("needs root  " + note)
		}
		lines[l.Number] = fmt.Sprintf("%4d  %-40s %s", l.Number, l.Title, note)
	}
	for _, pl := range planned {
		lines[pl.Number] = fmt.Sprintf("%4d  %-40s %s", pl.Number, pl.Title, "not yet available")
	}
	for _, n := range slices.Sorted(maps.Keys(lines)) {
		b.WriteString(strings.TrimRight(lines[n], " ") + "\n")
	}
	return b.String()
}

// Render is step i of the lesson as the tour shows it: a header naming
// the manual page, the explanation, the task, and the lesson commands.
func (l *Lesson) Render(i int) string {
	s := l.Steps[i]
	var b strings.Builder
	head := fmt.Sprintf("── lesson %d, step %d/%d: %s ", l.Number, i+1, len(l.Steps), s.Title)
	man := " man " + s.Man + " ──"
	if fill := Width - 1 - runeLen(head) - runeLen(man); fill > 0 {
		head += strings.Repeat("─", fill)
	}
	b.WriteString(head + man + "\n")
	for _, t := range s.Text {
		b.WriteString(t + "\n")
	}
	b.WriteString(Wrap("Task: "+s.Task, "      "))
	b.WriteString("      (hint, show, skip, check; step shows this again, stop leaves)\n")
	return b.String()
}

// Intro is what starting a lesson prints before its first step.
func (l *Lesson) Intro() string {
	return Wrap(fmt.Sprintf("Lesson %d: %s. It teaches %s.", l.Number, l.Title, l.Teaches), "")
}

// Wrap breaks text into lines of fewer than Width columns, indenting
// the lines after the first. Leading spaces of text are kept.
func Wrap(text, indent string) string {
	var b strings.Builder
	line := text[:len(text)-len(strings.TrimLeft(text, " "))]
	first := true
	for _, w := range strings.Fields(text) {
		switch {
		case first:
			line += w
			first = false
		case runeLen(line)+1+runeLen(w) >= Width:
			b.WriteString(line + "\n")
			line = indent + w
		default:
			line += " " + w
		}
	}
	b.WriteString(line + "\n")
	return b.String()
}

func runeLen(s string) int { return len([]rune(s)) }

// Mentioned lists, sorted, the variables of vars that the lesson's
// explanations or tasks name ($jail): those the student should know of.
func (l *Lesson) Mentioned(vars map[string]any) []string {
	var names []string
	for name := range vars {
		for _, s := range l.Steps {
			text := strings.Join(s.Text, " ") + " " + s.Task
			if regexp.MustCompile(`\$` + regexp.QuoteMeta(name) + `\b`).MatchString(text) {
				names = append(names, name)
				break
			}
		}
	}
	slices.Sort(names)
	return names
}
