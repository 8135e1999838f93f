package render

// EscapeMarkdown makes text that comes from the configuration, the API or
// an error (file names, values, reasons, messages) safe as one line of a
// comment: lines joined, control characters escaped, Markdown and HTML
// escaped, @mentions defused. The Action uses it for every such string it
// writes into a comment outside Markdown's own rendering.
func EscapeMarkdown(s string) string { return escapeMD(oneLine(s)) }
