import Foundation

/// The text of exported documents (pure functions of the manifest and the pictures).
enum ExportDocuments {
    static func roleName(_ role: SessionManifest.Role) -> String { role == .user ? "You" : "Assistant" }

    static let omittedPictureNote = "picture not available: it was saved as codes only, without a picture decoder"

    static func subtitle(_ manifest: SessionManifest) -> String {
        "omnichat session \(manifest.id) · model \(SafeText.singleLine(manifest.model.name)) · created \(SessionDate.string(from: manifest.created)) · updated \(SessionDate.string(from: manifest.updated))"
    }

    // MARK: - Markdown

    /// Markdown; `pictureLinks[i]` is the file name of picture `i` beside the document, or nil
    /// when the picture has no file.
    static func markdown(_ manifest: SessionManifest, pictureLinks: [String?]) -> String {
        var out = "# \(MarkdownText.escaped(SafeText.singleLine(manifest.title)))\n\n"
            + "*\(MarkdownText.escaped(subtitle(manifest)))*\n"
        var picture = 0
        for turn in manifest.turns {
            out += "\n## \(roleName(turn.role))\n"
            for segment in turn.segments {
                switch segment {
                case .text(let text):
                    let cleaned = SafeText.cleaned(text).trimmingCharacters(in: .newlines)
                    if !cleaned.isEmpty { out += "\n" + MarkdownText.escaped(cleaned) + "\n" }
                case .picture:
                    picture += 1
                    if picture <= pictureLinks.count, let link = pictureLinks[picture - 1] {
                        out += "\n![picture \(picture)](\(linkTarget(link)))\n"
                    } else {
                        out += "\n*(\(omittedPictureNote))*\n"
                    }
                }
            }
        }
        return out
    }

    /// A relative link to a file name: percent-encoded, so spaces, parentheses and non-ASCII
    /// names work in every Markdown renderer.
    static func linkTarget(_ name: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0) ..< Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
    }

    // MARK: - HTML

    /// One HTML file; pictures are data URIs. A Content-Security-Policy forbids every external
    /// load, and no element refers to anything outside the file.
    static func html(_ manifest: SessionManifest, pictures: [[UInt8]?]) -> String {
        let title = escape(SafeText.singleLine(manifest.title))
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title)</title>
            <style>
            body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
            .meta { color: #666; font-size: 0.9rem; }
            .turn { margin: 1.5rem 0; }
            .turn h2 { font-size: 1rem; margin: 0 0 0.25rem; }
            .user h2 { color: #2458a6; }
            .assistant h2 { color: #1f7a3a; }
            .text { white-space: pre-wrap; }
            img { max-width: 100%; width: 24rem; image-rendering: pixelated; border-radius: 4px; }
            .omitted { color: #666; font-style: italic; }
            </style>
            </head>
            <body>
            <h1>\(title)</h1>
            <p class="meta">\(escape(subtitle(manifest)))</p>

            """
        var picture = 0
        for turn in manifest.turns {
            out += "<section class=\"turn \(turn.role.rawValue)\">\n<h2>\(roleName(turn.role))</h2>\n"
            for segment in turn.segments {
                switch segment {
                case .text(let text):
                    out += "<div class=\"text\">\(escape(SafeText.cleaned(text)))</div>\n"
                case .picture:
                    picture += 1
                    if picture <= pictures.count, let bytes = pictures[picture - 1] {
                        out += "<figure><img alt=\"picture \(picture)\" src=\"data:image/png;base64,\(Data(bytes).base64EncodedString())\"></figure>\n"
                    } else {
                        out += "<p class=\"omitted\">(\(escape(omittedPictureNote)))</p>\n"
                    }
                }
            }
            out += "</section>\n"
        }
        return out + "</body>\n</html>\n"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
