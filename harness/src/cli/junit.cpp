#include "cli/junit.hpp"

#include <cstdio>
#include <ctime>

#include "cli/text.hpp"

namespace fibercheck::cli {

namespace {

// The length of the well-formed UTF-8 sequence starting at text[i] that XML 1.0
// allows (no surrogates, no U+FFFE/U+FFFF, nothing above U+10FFFF), or 0.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t n = 0;
  char32_t cp = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3;
    cp = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4;
    cp = lead & 0x07;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  const char32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < least[n] || cp > 0x10FFFF) return 0;  // overlong, or beyond Unicode
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) return 0;
  return n;
}

std::string visible_byte(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", b);
  return buf;
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s < 0 ? 0.0 : s);
  return buf;
}

std::string attr(std::string_view name, std::string_view value) {
  return cat(" ", name, "=\"", xml_escaped(value, true), "\"");
}

std::string properties_xml(const Properties& props, std::string_view indent) {
  if (props.empty()) return "";
  std::string out = cat(indent, "<properties>\n");
  for (const auto& [name, value] : props)
    out += cat(indent, "  <property", attr("name", name), attr("value", value), "/>\n");
  out += cat(indent, "</properties>\n");
  return out;
}

std::string testcase_xml(const JUnitCase& c) {
  std::string out = cat("    <testcase", attr("classname", c.classname), attr("name", c.name),
                        attr("time", seconds(c.seconds)), ">\n");
  out += properties_xml(c.properties, "      ");
  if (c.failure)
    out += cat("      <failure", attr("message", c.failure->message), attr("type", c.failure->type),
               ">", xml_escaped(c.failure->text, false), "</failure>\n");
  if (c.skipped) out += cat("      <skipped", attr("message", *c.skipped), "/>\n");
  if (!c.system_out.empty())
    out += cat("      <system-out>", xml_escaped(c.system_out, false), "</system-out>\n");
  out += "    </testcase>\n";
  return out;
}

}  // namespace

std::string xml_escaped(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_length(text, i);
      if (n == 0) {
        out += visible_byte(c);
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += attribute ? "&quot;" : "\"";
        break;
      case '\'':
        out += attribute ? "&apos;" : "'";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        if (c < 0x20 || c == 0x7F)
          out += visible_byte(c);
        else
          out += static_cast<char>(c);
    }
  }
  return out;
}

std::string junit_xml(const JUnitSuite& suite) {
  std::size_t failures = 0, skipped = 0;
  for (const JUnitCase& c : suite.cases) {
    if (c.failure) ++failures;
    if (c.skipped) ++skipped;
  }
  const std::string counts =
      cat(attr("tests", num(suite.cases.size())), attr("failures", num(failures)),
          attr("errors", "0"), attr("skipped", num(skipped)), attr("time", seconds(suite.seconds)));
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += cat("<testsuites", attr("name", suite.name), counts, attr("timestamp", suite.timestamp),
             ">\n");
  out += cat("  <testsuite", attr("name", suite.name), counts, attr("timestamp", suite.timestamp),
             ">\n");
  out += properties_xml(suite.properties, "    ");
  for (const JUnitCase& c : suite.cases) out += testcase_xml(c);
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string junit_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  return buf;
}

}  // namespace fibercheck::cli
