/// A JSON value together with where it sits (file and dotted path), so every shape error names
/// both, e.g. `tokenizer.json: malformed tokenizer: model.vocab: expected an object`.
struct JSONField {
    /// Where a field sits in its parent; paths are only spelled out when an error needs them.
    indirect enum Location {
        case root(String)
        case member(parent: Location, key: String)
        case element(parent: Location, index: Int)

        var path: String {
            switch self {
            case .root(let path): path
            case .member(let parent, let key):
                parent.path.isEmpty ? key : "\(parent.path).\(key)"
            case .element(let parent, let index): "\(parent.path)[\(index)]"
            }
        }
    }

    let value: JSONValue
    let location: Location
    let file: String

    init(value: JSONValue, path: String, file: String) {
        self.value = value
        self.location = .root(path)
        self.file = file
    }

    private init(value: JSONValue, location: Location, file: String) {
        self.value = value
        self.location = location
        self.file = file
    }

    var path: String { location.path }

    func malformed(_ reason: String) -> TokenizerError {
        .malformed(path: file, reason: path.isEmpty ? reason : "\(path): \(reason)")
    }

    func unsupported(_ feature: String) -> TokenizerError {
        .unsupported(path: file, feature: path.isEmpty ? feature : "\(path): \(feature)")
    }

    var isNull: Bool {
        if case .null = value { return true }
        return false
    }

    /// The member `key` of an object, or nil when the key is absent or its value is null.
    func member(_ key: String) throws(TokenizerError) -> JSONField? {
        guard case .object(let members) = value else { throw malformed("expected an object") }
        for member in members where member.key.utf8.elementsEqual(key.utf8) {
            if case .null = member.value { return nil }
            return JSONField(value: member.value, location: .member(parent: location, key: key), file: file)
        }
        return nil
    }

    func requiredMember(_ key: String) throws(TokenizerError) -> JSONField {
        guard let field = try member(key) else { throw malformed("missing field '\(key)'") }
        return field
    }

    func string() throws(TokenizerError) -> String {
        guard case .string(let text) = value else { throw malformed("expected a string") }
        return text
    }

    func int() throws(TokenizerError) -> Int {
        switch value {
        case .integer(let number): return number
        case .double(let number) where number.rounded() == number && abs(number) < 9e15: return Int(number)
        default: throw malformed("expected an integer")
        }
    }

    func bool() throws(TokenizerError) -> Bool {
        guard case .bool(let flag) = value else { throw malformed("expected true or false") }
        return flag
    }

    func array() throws(TokenizerError) -> [JSONField] {
        guard case .array(let elements) = value else { throw malformed("expected an array") }
        return elements.enumerated().map {
            JSONField(value: $1, location: .element(parent: location, index: $0), file: file)
        }
    }

    func members() throws(TokenizerError) -> [(key: String, field: JSONField)] {
        guard case .object(let members) = value else { throw malformed("expected an object") }
        return members.map {
            ($0.key, JSONField(value: $0.value, location: .member(parent: location, key: $0.key), file: file))
        }
    }

    func bool(_ key: String, default fallback: Bool) throws(TokenizerError) -> Bool {
        try member(key)?.bool() ?? fallback
    }

    func int(_ key: String, default fallback: Int) throws(TokenizerError) -> Int {
        try member(key)?.int() ?? fallback
    }

    func optionalString(_ key: String) throws(TokenizerError) -> String? {
        try member(key)?.string()
    }

    /// The `type` tag of a component object.
    func typeTag() throws(TokenizerError) -> String {
        try requiredMember("type").string()
    }

    /// A single-scalar string field such as a Metaspace `replacement` or a Strip `content`.
    func scalar(_ key: String) throws(TokenizerError) -> Unicode.Scalar {
        let field = try requiredMember(key)
        let text = try field.string()
        var scalars = text.unicodeScalars.makeIterator()
        guard let first = scalars.next(), scalars.next() == nil else {
            throw field.malformed("expected exactly one character")
        }
        return first
    }
}
