// Runs every tests/scenarios/*.json file as its own Google Test case. The format is described in
// tests/scenarios/README.md; the Java and JavaScript faces run the same files.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "walloc.h"

#ifndef WALLOC_SCENARIO_DIR
#error "WALLOC_SCENARIO_DIR must name the tests/scenarios directory"
#endif

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

struct StepFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string &msg) { throw StepFailure(msg); }

std::string hex64(uint64_t v)
{
    std::ostringstream os;
    os << "0x" << std::hex << v;
    return os.str();
}

const char *const kStatusNames[] = {
    "ok",           "INVALID_ARGUMENT", "INVALID_TIER", "INVALID_HANDLE",
    "OUT_OF_BOUNDS", "OUT_OF_MEMORY",   "DOUBLE_FREE",  "SIZE_MISMATCH",
    "NOT_A_BLOCK",  "INVALID_CONFIG",   "INVALID_SIZE",
};
constexpr int kStatusCount = sizeof kStatusNames / sizeof kStatusNames[0];

std::string status_name(int s)
{
    if (s >= 0 && s < kStatusCount)
        return kStatusNames[s];
    return "status " + std::to_string(s);
}

int parse_status(const std::string &name)
{
    for (int i = 0; i < kStatusCount; i++)
        if (name == kStatusNames[i])
            return i;
    if (name == "OK")
        return 0;
    fail("unknown status name '" + name + "'");
}

struct Block {
    walloc_handle h = WALLOC_NULL;
    uint64_t size = 0;
    int tier = 0;
    bool live = false;
};

struct Fill {
    std::vector<std::string> names;
};

class Runner {
public:
    explicit Runner(const json &doc) : doc_(doc) {}
    ~Runner() { walloc_destroy(w_); }

    void run()
    {
        walloc_config cfg = make_config(doc_.value("config", json::object()));
        w_ = walloc_create(&cfg);
        if (!w_)
            throw std::runtime_error("walloc_create failed for the scenario's config");
        const json &steps = doc_.at("steps");
        for (size_t i = 0; i < steps.size(); i++) {
            const json &st = steps[i];
            std::string op = st.value("op", std::string("?"));
            try {
                step(st, op);
            } catch (const std::exception &e) {
                std::ostringstream os;
                os << "step " << i << " (" << op;
                if (st.contains("comment"))
                    os << ": " << st["comment"].get<std::string>();
                os << ") failed: " << e.what() << "\n  step: " << st.dump();
                throw StepFailure(os.str());
            }
        }
    }

private:
    const json &doc_;
    walloc *w_ = nullptr;
    std::map<std::string, Block> blocks_;
    std::map<std::string, uint64_t> vars_;
    std::map<std::string, Fill> fills_;

    // ---- value parsing -------------------------------------------------------------------
    uint64_t num(const json &j)
    {
        if (j.is_number_unsigned())
            return j.get<uint64_t>();
        if (j.is_number_integer())
            return static_cast<uint64_t>(j.get<int64_t>());
        if (j.is_string()) {
            std::string s = j.get<std::string>();
            if (!s.empty() && s[0] == '$') {
                auto it = vars_.find(s.substr(1));
                if (it == vars_.end())
                    fail("unknown variable " + s);
                return it->second;
            }
            bool neg = !s.empty() && s[0] == '-';
            std::string body = neg ? s.substr(1) : s;
            size_t pos = 0;
            uint64_t v;
            try {
                v = std::stoull(body, &pos, 0);
            } catch (...) {
                fail("bad number '" + s + "'");
            }
            if (pos != body.size())
                fail("bad number '" + s + "'");
            return neg ? (uint64_t)0 - v : v;
        }
        if (j.is_object() && j.contains("var")) {
            std::string name = j["var"].get<std::string>();
            auto it = vars_.find(name);
            if (it == vars_.end())
                fail("unknown variable " + name);
            uint64_t v = it->second;
            if (j.contains("plus"))
                v += num(j["plus"]);
            if (j.contains("minus"))
                v -= num(j["minus"]);
            return v;
        }
        fail("not a number: " + j.dump());
    }

    int tier(const json &j)
    {
        if (j.is_string()) {
            std::string s = j.get<std::string>();
            if (s == "TOP")
                return WALLOC_TIER_TOP;
            if (s == "MIDDLE")
                return WALLOC_TIER_MIDDLE;
            if (s == "BOTTOM")
                return WALLOC_TIER_BOTTOM;
            fail("unknown tier '" + s + "'");
        }
        if (j.is_number_integer())
            return static_cast<int>(j.get<int64_t>());
        fail("not a tier: " + j.dump());
    }

    Block &block(const std::string &name)
    {
        auto it = blocks_.find(name);
        if (it == blocks_.end())
            fail("unknown block '" + name + "'");
        return it->second;
    }

    walloc_handle handle(const json &j)
    {
        if (j.is_string())
            return block(j.get<std::string>()).h;
        if (j.is_object()) {
            if (j.contains("raw")) {
                const json &r = j["raw"];
                if (r.is_string() && r.get<std::string>() == "null")
                    return WALLOC_NULL;
                return num(r);
            }
            if (j.contains("handle")) {
                uint64_t h = block(j["handle"].get<std::string>()).h;
                if (j.contains("plus"))
                    h += num(j["plus"]);
                if (j.contains("minus"))
                    h -= num(j["minus"]);
                return h;
            }
        }
        fail("not a handle: " + j.dump());
    }

    std::vector<uint8_t> data(const json &j)
    {
        std::vector<uint8_t> out;
        if (j.contains("hex")) {
            std::string s = j["hex"].get<std::string>();
            if (s.size() % 2)
                fail("odd hex string");
            for (size_t i = 0; i < s.size(); i += 2)
                out.push_back(static_cast<uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
        } else if (j.contains("fill")) {
            out.assign(num(j.at("len")), static_cast<uint8_t>(num(j["fill"])));
        } else if (j.contains("pattern")) {
            uint64_t seed = num(j["pattern"]), len = num(j.at("len"));
            uint64_t start = j.contains("start") ? num(j["start"]) : 0;
            out.resize(len);
            for (uint64_t i = 0; i < len; i++) {
                uint64_t k = start + i;
                out[i] = static_cast<uint8_t>((seed * 13 + k * 7 + (k >> 8)) & 0xFF);
            }
        } else {
            fail("not a data spec: " + j.dump());
        }
        return out;
    }

    walloc_config make_config(const json &c)
    {
        walloc_config cfg = walloc_config_default();
        cfg.capacity = c.contains("capacity") ? num(c["capacity"]) : 4u << 20;
        double def[3] = {0.5, 0.3, 0.2};
        for (int i = 0; i < 3; i++)
            cfg.tier_ratio[i] = def[i];
        if (c.contains("ratios")) {
            const json &r = c["ratios"];
            if (!r.is_array() || r.size() != 3)
                fail("ratios must be an array of 3 numbers");
            for (int i = 0; i < 3; i++)
                cfg.tier_ratio[i] = r[i].get<double>();
        }
        cfg.checked = c.value("checked", true) ? 1 : 0;
        return cfg;
    }

    // ---- expectations ----------------------------------------------------------------------
    std::vector<int> expected_statuses(const json &st, const char *key = "expect",
                                       int def = WALLOC_OK)
    {
        std::vector<int> out;
        if (!st.contains(key)) {
            out.push_back(def);
        } else if (st[key].is_array()) {
            for (const json &e : st[key])
                out.push_back(parse_status(e.get<std::string>()));
        } else {
            out.push_back(parse_status(st[key].get<std::string>()));
        }
        return out;
    }

    int check_status(const json &st, int got, const char *key = "expect")
    {
        std::vector<int> want = expected_statuses(st, key);
        if (std::find(want.begin(), want.end(), got) == want.end()) {
            std::string w;
            for (int s : want)
                w += (w.empty() ? "" : " or ") + status_name(s);
            fail("expected " + w + ", got " + status_name(got) + " (\"" +
                 walloc_status_str(static_cast<walloc_status>(got)) + "\")");
        }
        return got;
    }

    void expect_range(const std::string &what, uint64_t got, const json &e)
    {
        if (e.is_object() && (e.contains("min") || e.contains("max"))) {
            if (e.contains("min") && got < num(e["min"]))
                fail(what + " = " + std::to_string(got) + ", expected >= " +
                     std::to_string(num(e["min"])));
            if (e.contains("max") && got > num(e["max"]))
                fail(what + " = " + std::to_string(got) + ", expected <= " +
                     std::to_string(num(e["max"])));
            return;
        }
        uint64_t want = num(e);
        if (got != want)
            fail(what + " = " + std::to_string(got) + ", expected " + std::to_string(want));
    }

    // A freshly allocated block: alignment, tier, pointer, no overlap with live blocks.
    void check_new_block(walloc_handle h, uint64_t size, int t, const std::string &what)
    {
        if (h == WALLOC_NULL)
            fail(what + ": got WALLOC_NULL");
        uint32_t a = walloc_tier_alignment(static_cast<walloc_tier>(t));
        if (a == 0 || h % a != 0)
            fail(what + ": handle " + hex64(h) + " not aligned to " + std::to_string(a));
        walloc_tier got;
        int s = walloc_tier_of(w_, h, &got);
        if (s != WALLOC_OK)
            fail(what + ": walloc_tier_of(" + hex64(h) + ") = " + status_name(s));
        if (got != t)
            fail(what + ": walloc_tier_of gives tier " + std::to_string(got) + ", allocated in " +
                 std::to_string(t));
        if (!walloc_ptr(w_, h))
            fail(what + ": walloc_ptr is NULL");
        uint64_t end = h + std::max<uint64_t>(size, 1);
        for (const auto &[name, b] : blocks_) {
            if (!b.live)
                continue;
            uint64_t bend = b.h + std::max<uint64_t>(b.size, 1);
            if (h < bend && b.h < end)
                fail(what + ": [" + hex64(h) + ", " + hex64(end) + ") overlaps live block '" +
                     name + "' [" + hex64(b.h) + ", " + hex64(bend) + ")");
        }
    }

    void add_block(const std::string &name, walloc_handle h, uint64_t size, int t)
    {
        Block b;
        b.h = h;
        b.size = size;
        b.tier = t;
        b.live = true;
        blocks_[name] = b;
    }

    // ---- steps -----------------------------------------------------------------------------
    void step(const json &st, const std::string &op)
    {
        if (op == "alloc")
            op_alloc(st);
        else if (op == "alloc_batch")
            op_alloc_batch(st);
        else if (op == "free")
            op_free(st);
        else if (op == "write")
            op_write(st);
        else if (op == "read")
            op_read(st);
        else if (op == "copy")
            check_status(st, walloc_copy(w_, handle(st.at("dst")), handle(st.at("src")),
                                         num(st.at("len"))));
        else if (op == "bulk_copy")
            op_bulk_copy(st);
        else if (op == "reset")
            op_reset(st);
        else if (op == "compact")
            op_compact(st);
        else if (op == "stats")
            op_stats(st);
        else if (op == "tier_of")
            op_tier_of(st);
        else if (op == "ptr")
            op_ptr(st);
        else if (op == "fill")
            op_fill(st);
        else if (op == "free_fill")
            op_free_fill(st);
        else if (op == "validate_config")
            op_validate_config(st);
        else if (op == "set")
            vars_[st.at("var").get<std::string>()] = num(st.at("value"));
        else
            fail("unknown op '" + op + "'");
    }

    void op_alloc(const json &st)
    {
        int t = tier(st.at("tier"));
        uint64_t size = num(st.at("size"));
        std::string expect = st.value("expect", std::string("ok"));
        walloc_handle h = walloc_alloc(w_, size, static_cast<walloc_tier>(t));
        if (expect == "null") {
            if (h != WALLOC_NULL)
                fail("expected WALLOC_NULL, got handle " + hex64(h));
            return;
        }
        if (expect != "ok")
            fail("alloc expect must be \"ok\" or \"null\"");
        check_new_block(h, size, t, "alloc");
        if (st.contains("not_overlapping"))
            for (const json &n : st["not_overlapping"]) {
                const Block &o = block(n.get<std::string>());
                uint64_t end = h + std::max<uint64_t>(size, 1);
                uint64_t oend = o.h + std::max<uint64_t>(o.size, 1);
                if (h < oend && o.h < end)
                    fail("alloc: [" + hex64(h) + ", " + hex64(end) + ") overlaps block '" +
                         n.get<std::string>() + "' [" + hex64(o.h) + ", " + hex64(oend) +
                         "), which must not be reused yet");
            }
        if (st.contains("as"))
            add_block(st["as"].get<std::string>(), h, size, t);
    }

    void op_alloc_batch(const json &st)
    {
        const json &bl = st.at("blocks");
        std::vector<uint64_t> sizes;
        std::vector<int32_t> tiers;
        for (const json &b : bl) {
            sizes.push_back(num(b.at("size")));
            tiers.push_back(tier(b.at("tier")));
        }
        std::vector<walloc_handle> out(bl.size() + 1, 0x5A5A5A5A5A5A5A5Aull);
        int s = walloc_alloc_batch(w_, sizes.data(), tiers.data(), bl.size(), out.data());
        check_status(st, s);
        if (out[bl.size()] != 0x5A5A5A5A5A5A5A5Aull)
            fail("walloc_alloc_batch wrote past out[count - 1]");
        if (s != WALLOC_OK) {
            for (size_t i = 0; i < bl.size(); i++)
                if (out[i] != WALLOC_NULL)
                    fail("failed batch left out[" + std::to_string(i) + "] = " + hex64(out[i]) +
                         " instead of WALLOC_NULL");
            return;
        }
        for (size_t i = 0; i < bl.size(); i++) {
            check_new_block(out[i], sizes[i], tiers[i], "batch block " + std::to_string(i));
            std::string name = bl[i].contains("as") ? bl[i]["as"].get<std::string>()
                                                    : "#batch" + std::to_string(i) + "@" +
                                                          hex64(out[i]);
            add_block(name, out[i], sizes[i], tiers[i]);
        }
    }

    void op_free(const json &st)
    {
        const json &hj = st.at("handle");
        walloc_handle h = handle(hj);
        uint64_t size;
        if (st.contains("size"))
            size = num(st["size"]);
        else if (hj.is_string())
            size = block(hj.get<std::string>()).size;
        else
            fail("free of a non-named handle needs a size");
        int s = check_status(st, walloc_free(w_, h, size));
        if (s == WALLOC_OK && hj.is_string())
            block(hj.get<std::string>()).live = false;
    }

    void op_write(const json &st)
    {
        std::vector<uint8_t> bytes = data(st.at("data"));
        check_status(st, walloc_write(w_, handle(st.at("handle")), bytes.data(), bytes.size()));
    }

    void op_read(const json &st)
    {
        uint64_t len = num(st.at("len"));
        if (len > (64u << 20))
            fail("read len too large for a scenario");
        std::vector<uint8_t> buf(len + 16, 0xEE);
        int s = check_status(st, walloc_read(w_, handle(st.at("handle")), buf.data(), len));
        for (size_t i = len; i < len + 16; i++)
            if (buf[i] != 0xEE)
                fail("walloc_read wrote past len");
        if (s != WALLOC_OK || !st.contains("expect_bytes"))
            return;
        std::vector<uint8_t> want = data(st["expect_bytes"]);
        if (want.size() != len)
            fail("expect_bytes has " + std::to_string(want.size()) + " bytes, len is " +
                 std::to_string(len));
        for (uint64_t i = 0; i < len; i++)
            if (buf[i] != want[i]) {
                std::ostringstream os;
                os << "byte " << i << " is 0x" << std::hex << int(buf[i]) << ", expected 0x"
                   << int(want[i]);
                fail(os.str());
            }
    }

    void op_bulk_copy(const json &st)
    {
        std::vector<walloc_copy_op> ops;
        for (const json &o : st.at("ops")) {
            walloc_copy_op c;
            c.dst = handle(o.at("dst"));
            c.src = handle(o.at("src"));
            c.len = num(o.at("len"));
            ops.push_back(c);
        }
        size_t failed = static_cast<size_t>(-1);
        int s = check_status(st, walloc_bulk_copy(w_, ops.data(), ops.size(), &failed));
        if (s != WALLOC_OK && st.contains("failed_index") && failed != num(st["failed_index"]))
            fail("failed_index = " + std::to_string(failed) + ", expected " +
                 std::to_string(num(st["failed_index"])));
    }

    void op_reset(const json &st)
    {
        int t = tier(st.at("tier"));
        if (check_status(st, walloc_reset_tier(w_, static_cast<walloc_tier>(t))) == WALLOC_OK)
            for (auto &[name, b] : blocks_)
                if (b.tier == t)
                    b.live = false;
    }

    void op_compact(const json &st)
    {
        int t = tier(st.at("tier"));
        uint64_t keep = num(st.at("keep"));
        if (check_status(st, walloc_compact_tier(w_, static_cast<walloc_tier>(t), keep)) !=
            WALLOC_OK)
            return;
        if (st.contains("release"))
            for (const json &n : st["release"])
                block(n.get<std::string>()).live = false;
    }

    static const std::map<std::string, uint64_t walloc_stats::*> &stat_fields()
    {
        static const std::map<std::string, uint64_t walloc_stats::*> m = {
            {"capacity", &walloc_stats::capacity},
            {"committed", &walloc_stats::committed},
            {"bump_head", &walloc_stats::bump_head},
            {"peak", &walloc_stats::peak},
            {"live_bytes", &walloc_stats::live_bytes},
            {"live_blocks", &walloc_stats::live_blocks},
            {"free_bytes", &walloc_stats::free_bytes},
            {"wasted_bytes", &walloc_stats::wasted_bytes},
            {"total_allocs", &walloc_stats::total_allocs},
            {"total_frees", &walloc_stats::total_frees},
            {"failed_allocs", &walloc_stats::failed_allocs},
            {"resets", &walloc_stats::resets},
        };
        return m;
    }

    static uint64_t stat_value(const walloc_stats &s, const std::string &field)
    {
        if (field == "alignment")
            return s.alignment;
        if (field == "max_class_size")
            return s.max_class_size;
        auto it = stat_fields().find(field);
        if (it == stat_fields().end())
            fail("unknown stats field '" + field + "'");
        return s.*(it->second);
    }

    void op_stats(const json &st)
    {
        int t = tier(st.at("tier"));
        walloc_stats s;
        std::memset(&s, 0xA5, sizeof s);
        int status = check_status(st, walloc_tier_stats(w_, static_cast<walloc_tier>(t), &s),
                                  "status");
        if (status != WALLOC_OK)
            return;
        // Invariants.
        std::ostringstream all;
        all << "{capacity " << s.capacity << ", committed " << s.committed << ", bump_head "
            << s.bump_head << ", peak " << s.peak << ", live_bytes " << s.live_bytes
            << ", live_blocks " << s.live_blocks << ", free_bytes " << s.free_bytes
            << ", wasted_bytes " << s.wasted_bytes << ", total_allocs " << s.total_allocs
            << ", total_frees " << s.total_frees << ", failed_allocs " << s.failed_allocs
            << ", resets " << s.resets << ", alignment " << s.alignment << ", max_class_size "
            << s.max_class_size << "}";
        std::string dump = all.str();
        if (s.live_bytes + s.free_bytes + s.wasted_bytes != s.bump_head)
            fail("invariant live_bytes + free_bytes + wasted_bytes == bump_head broken: " + dump);
        if (s.live_bytes + s.wasted_bytes > s.committed || s.committed > s.capacity)
            fail("invariant live_bytes + wasted_bytes <= committed <= capacity broken: " + dump);
        if (s.peak < s.bump_head)
            fail("invariant peak >= bump_head broken: " + dump);
        if (s.alignment != walloc_tier_alignment(static_cast<walloc_tier>(t)))
            fail("alignment differs from walloc_tier_alignment: " + dump);
        if (s.total_frees > s.total_allocs ||
            s.live_blocks > s.total_allocs - s.total_frees)
            fail("invariant live_blocks <= total_allocs - total_frees broken: " + dump);
        if (st.contains("expect"))
            for (const auto &[field, e] : st["expect"].items())
                try {
                    expect_range(field, stat_value(s, field), e);
                } catch (const StepFailure &f) {
                    fail(std::string(f.what()) + "; stats " + dump);
                }
        if (st.contains("save"))
            for (const auto &[var, field] : st["save"].items())
                vars_[var] = stat_value(s, field.get<std::string>());
    }

    void op_tier_of(const json &st)
    {
        walloc_tier got = static_cast<walloc_tier>(-1);
        int s = check_status(st, walloc_tier_of(w_, handle(st.at("handle")), &got));
        if (s == WALLOC_OK && st.contains("tier") && got != tier(st["tier"]))
            fail("tier_of gives " + std::to_string(got) + ", expected " +
                 std::to_string(tier(st["tier"])));
    }

    void op_ptr(const json &st)
    {
        void *p = walloc_ptr(w_, handle(st.at("handle")));
        std::string e = st.value("expect", std::string("non_null"));
        if (e == "null" && p)
            fail("walloc_ptr is not NULL");
        if (e == "non_null" && !p)
            fail("walloc_ptr is NULL");
    }

    void op_fill(const json &st)
    {
        int t = tier(st.at("tier"));
        uint64_t size = num(st.at("size"));
        uint64_t max = num(st.at("max"));
        std::string prefix = st.at("as").get<std::string>();
        Fill &f = fills_[prefix];
        f.names.clear();
        uint64_t n = 0;
        for (; n < max; n++) {
            walloc_handle h = walloc_alloc(w_, size, static_cast<walloc_tier>(t));
            if (h == WALLOC_NULL)
                break;
            std::string name = prefix + std::to_string(n);
            check_new_block(h, size, t, "fill block " + name);
            add_block(name, h, size, t);
            f.names.push_back(name);
        }
        if (st.contains("count"))
            expect_range("fill count", n, st["count"]);
        if (st.contains("save"))
            vars_[st["save"].get<std::string>()] = n;
    }

    void op_free_fill(const json &st)
    {
        std::string prefix = st.at("as").get<std::string>();
        auto it = fills_.find(prefix);
        if (it == fills_.end())
            fail("no fill named '" + prefix + "'");
        for (const std::string &name : it->second.names) {
            Block &b = block(name);
            if (!b.live)
                continue;
            int s = walloc_free(w_, b.h, b.size);
            try {
                check_status(st, s);
            } catch (const StepFailure &e) {
                fail("freeing " + name + ": " + e.what());
            }
            if (s == WALLOC_OK)
                b.live = false;
        }
    }

    void op_validate_config(const json &st)
    {
        walloc_config cfg = make_config(st.at("config"));
        int s = check_status(st, walloc_config_validate(&cfg));
        walloc *w = walloc_create(&cfg);
        if ((w != nullptr) != (s == WALLOC_OK)) {
            walloc_destroy(w);
            fail(std::string("walloc_create ") + (w ? "succeeded" : "failed") +
                 " but walloc_config_validate said " + status_name(s));
        }
        walloc_destroy(w);
    }
};

std::vector<std::string> scenario_files()
{
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto &e : fs::directory_iterator(WALLOC_SCENARIO_DIR, ec))
        if (e.is_regular_file() && e.path().extension() == ".json")
            out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

class Scenario : public ::testing::TestWithParam<std::string> {};

TEST_P(Scenario, Runs)
{
    const std::string &path = GetParam();
    std::ifstream in(path);
    ASSERT_TRUE(in) << "cannot open " << path;
    json doc;
    try {
        doc = json::parse(in);
    } catch (const std::exception &e) {
        FAIL() << path << ": invalid JSON: " << e.what();
    }
    ASSERT_TRUE(doc.contains("steps") && doc["steps"].is_array()) << path << ": no steps array";
    Runner r(doc);
    try {
        r.run();
    } catch (const std::exception &e) {
        FAIL() << path << " [" << doc.value("name", std::string("?")) << "]\n" << e.what();
    }
}

std::string param_name(const ::testing::TestParamInfo<std::string> &info)
{
    std::string s = fs::path(info.param).stem().string();
    for (char &c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)))
            c = '_';
    return s;
}

INSTANTIATE_TEST_SUITE_P(Files, Scenario, ::testing::ValuesIn(scenario_files()), param_name);

TEST(ScenarioDir, HasScenarios)
{
    EXPECT_FALSE(scenario_files().empty()) << "no *.json in " << WALLOC_SCENARIO_DIR;
}

} // namespace
