#include <gtest/gtest.h>

#include <string>

#include "config/IniFile.h"
#include "unit/config/TempDir.h"

using rtprelay::config::IniFile;

TEST(IniFile, ReadsSectionsKeysAndValuesTrimmed) {
    auto ini = IniFile::parse(
        "# comment\n"
        "; another comment\n"
        "\n"
        "[rtpengine]\n"
        "  interface   =   pub/192.0.2.1  \n"
        "table=0\n"
        "[ other ]\n"
        "key with spaces = a = b\n"
        "empty =\n");
    ASSERT_TRUE(ini) << ini.error();
    const auto& e = ini->entries();
    ASSERT_EQ(e.size(), 4u);
    EXPECT_EQ(e[0].section, "rtpengine");
    EXPECT_EQ(e[0].key, "interface");
    EXPECT_EQ(e[0].rawValue, "pub/192.0.2.1");
    EXPECT_EQ(e[0].line, 5u);
    EXPECT_EQ(e[1].key, "table");
    EXPECT_EQ(e[1].rawValue, "0");
    EXPECT_EQ(e[2].section, "other");
    EXPECT_EQ(e[2].key, "key with spaces");
    EXPECT_EQ(e[2].rawValue, "a = b");
    EXPECT_EQ(e[3].rawValue, "");
    EXPECT_TRUE(e[3].hasValue);
}

TEST(IniFile, BareKeyIsKeptWithoutValue) {
    auto ini = IniFile::parse("[rtpengine]\ndtls-passive\n");
    ASSERT_TRUE(ini);
    ASSERT_EQ(ini->entries().size(), 1u);
    EXPECT_EQ(ini->entries()[0].key, "dtls-passive");
    EXPECT_FALSE(ini->entries()[0].hasValue);
}

TEST(IniFile, HandlesCrLfBomAndMissingFinalNewline) {
    auto ini = IniFile::parse("\xEF\xBB\xBF[rtpengine]\r\ntimeout = 60\r\nport-min = 1");
    ASSERT_TRUE(ini) << ini.error();
    ASSERT_EQ(ini->entries().size(), 2u);
    EXPECT_EQ(ini->entries()[0].rawValue, "60");
    EXPECT_EQ(ini->entries()[1].rawValue, "1");
    EXPECT_EQ(ini->entries()[1].line, 3u);
}

TEST(IniFile, RejectsMalformedLinesNamingTheLine) {
    EXPECT_EQ(IniFile::parse("[rtpengine]\n\n= value\n").error(), "line 3: expected key = value");
    EXPECT_EQ(IniFile::parse("timeout = 5\n").error(),
              "line 1: expected a [section] header before the first key");
    EXPECT_EQ(IniFile::parse("[rtpengine\n").error(), "line 1: invalid section header");
    EXPECT_EQ(IniFile::parse("[]\n").error(), "line 1: invalid section header");
    EXPECT_EQ(IniFile::parse("[a[b]\n").error(), "line 1: invalid section header");
}

TEST(IniFile, BoundsLineLengthAndFileSize) {
    std::string longLine = "[s]\nk = " + std::string(IniFile::maxLineLength, 'x') + "\n";
    EXPECT_EQ(IniFile::parse(longLine).error(), "line 2: longer than 8192 bytes");
    std::string okLine = "[s]\nk = " + std::string(IniFile::maxLineLength - 4, 'x') + "\n";
    EXPECT_TRUE(IniFile::parse(okLine));
    std::string huge(IniFile::maxFileSize + 1, '\n');
    EXPECT_EQ(IniFile::parse(huge).error(), "file is larger than 1048576 bytes");
}

TEST(IniFile, DecodesGlibEscapes) {
    EXPECT_EQ(IniFile::decodeValue(R"(\sa\tb\nc\\d\;e\rf)"), " a\tb\nc\\d;e\rf");
    EXPECT_EQ(IniFile::decodeValue(R"(C:\path\x)"), R"(C:\path\x)");
    EXPECT_EQ(IniFile::decodeValue("trailing\\"), "trailing\\");
}

TEST(IniFile, SplitsListsAtUnescapedSemicolons) {
    EXPECT_EQ(IniFile::splitList("a; b ;c;"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(IniFile::splitList(R"(a\;b;c)"), (std::vector<std::string>{"a;b", "c"}));
    EXPECT_EQ(IniFile::splitList(R"(a\\;b)"), (std::vector<std::string>{"a\\", "b"}));
    EXPECT_EQ(IniFile::splitList(";;"), std::vector<std::string>{});
    EXPECT_EQ(IniFile::splitList(""), std::vector<std::string>{});
}

TEST(IniFile, ReadTextReportsTheSystemError) {
    rtprelay::config::test::TempDir dir;
    std::string path = dir.write("a.conf", "[rtpengine]\n");
    auto text = IniFile::readText(path);
    ASSERT_TRUE(text);
    EXPECT_EQ(*text, "[rtpengine]\n");
    EXPECT_EQ(IniFile::readText(dir.path() + "/missing").error(),
              "cannot read '" + dir.path() + "/missing': No such file or directory");
    EXPECT_EQ(IniFile::readText(dir.path()).error(),
              "cannot read '" + dir.path() + "': Is a directory");
}
