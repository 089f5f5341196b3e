// A long randomized single-thread workload checked step by step against a shadow model:
// no two live blocks overlap, every block keeps its contents until freed, statistics add up.
#include "walloc_fixture.h"

extern "C" {
#include "size_class.h"
}

#include <map>

namespace {

struct Block {
    uint64_t size;
    walloc_tier tier;
    std::vector<uint8_t> bytes;
};

uint64_t block_bytes(walloc_tier t, uint64_t size)
{
    uint64_t req = size ? size : 1;
    if (req > WALLOC_MAX_CLASS_SIZE)
        return (req + 4095) / 4096 * 4096;
    unsigned shift = t == WALLOC_TIER_TOP ? 7 : t == WALLOC_TIER_MIDDLE ? 6 : 3;
    return size_class_size(size_class_for(req, shift), shift);
}

class Model {
public:
    Model(walloc *w, uint64_t capacity, bool checked) : w_(w), checked_(checked)
    {
        uint64_t start = 0;
        for (walloc_tier t : kTiers) {
            base_[t] = start;
            start += stats_of(w, t).capacity;
        }
    }

    void alloc(Rng &rng)
    {
        walloc_tier t = kTiers[rng.below(3)];
        uint64_t size = rng.below(8) == 0 ? 65536 + rng.below(300000) : rng.below(rng.below(2) ? 300 : 5000);
        walloc_handle h = walloc_alloc(w_, size, t);
        if (h == WALLOC_NULL) {
            failed_[t]++;
            return;
        }
        ASSERT_EQ(h % walloc_tier_alignment(t), 0u);
        auto next = live_.lower_bound(h);
        uint64_t end = h + (size ? size : 1);
        if (next != live_.end())
            ASSERT_LE(end, next->first) << "overlaps the next live block";
        if (next != live_.begin()) {
            auto prev = std::prev(next);
            ASSERT_LE(prev->first + std::max<uint64_t>(prev->second.size, 1), h) << "overlaps the previous";
        }
        Block b{size, t, std::vector<uint8_t>(size)};
        fill_pattern(b.bytes.data(), size, rng.next());
        ASSERT_EQ(walloc_write(w_, h, b.bytes.data(), size), WALLOC_OK);
        live_.emplace(h, std::move(b));
    }

    void free_one(Rng &rng)
    {
        if (live_.empty())
            return;
        auto it = pick(rng);
        verify(it->first, it->second);
        ASSERT_EQ(walloc_free(w_, it->first, it->second.size), WALLOC_OK);
        if (checked_)
            ASSERT_EQ(walloc_free(w_, it->first, it->second.size), WALLOC_ERR_DOUBLE_FREE);
        live_.erase(it);
    }

    void write_some(Rng &rng)
    {
        if (live_.empty())
            return;
        auto it = pick(rng);
        Block &b = it->second;
        if (b.size == 0)
            return;
        uint64_t off = rng.below(b.size), len = 1 + rng.below(b.size - off);
        std::vector<uint8_t> data(len);
        fill_pattern(data.data(), len, rng.next());
        ASSERT_EQ(walloc_write(w_, it->first + off, data.data(), len), WALLOC_OK);
        std::memcpy(b.bytes.data() + off, data.data(), len);
    }

    void copy_some(Rng &rng)
    {
        if (live_.size() < 2)
            return;
        auto a = pick(rng), b = pick(rng);
        uint64_t len = std::min(a->second.size, b->second.size);
        ASSERT_EQ(walloc_copy(w_, b->first, a->first, len), WALLOC_OK);
        if (len > 0)
            std::memmove(b->second.bytes.data(), a->second.bytes.data(), len);
    }

    void reset(Rng &rng)
    {
        walloc_tier t = kTiers[rng.below(3)];
        ASSERT_EQ(walloc_reset_tier(w_, t), WALLOC_OK);
        drop_from(t, 0);
    }

    // Compacts at the end of a random live block (or the start of the tier), so no block
    // straddles keep.
    void compact(Rng &rng)
    {
        walloc_tier t = kTiers[rng.below(3)];
        uint64_t keep = 0;
        std::vector<std::pair<walloc_handle, uint64_t>> in_tier;
        for (auto &[h, b] : live_)
            if (b.tier == t)
                in_tier.emplace_back(h, block_bytes(t, b.size));
        if (!in_tier.empty()) {
            auto [h, bs] = in_tier[rng.below(in_tier.size())];
            keep = h + bs - base_[t];
        }
        ASSERT_EQ(walloc_compact_tier(w_, t, keep), WALLOC_OK);
        drop_from(t, keep);
        ASSERT_EQ(stats_of(w_, t).bump_head, keep);
    }

    void check_stats()
    {
        for (walloc_tier t : kTiers) {
            walloc_stats s = stats_of(w_, t);
            uint64_t blocks = 0, bytes = 0;
            for (auto &[h, b] : live_)
                if (b.tier == t)
                    blocks++, bytes += block_bytes(t, b.size);
            ASSERT_EQ(s.live_bytes + s.free_bytes + s.wasted_bytes, s.bump_head) << "tier " << t;
            ASSERT_LE(s.live_bytes + s.wasted_bytes, s.committed); // memory in use is committed
            ASSERT_LE(s.committed, s.capacity);
            ASSERT_GE(s.peak, s.bump_head);
            ASSERT_EQ(s.failed_allocs, failed_[t]);
            ASSERT_EQ(s.live_bytes, bytes) << "tier " << t; // exact, also after compactions
            ASSERT_EQ(s.live_blocks, blocks) << "tier " << t;
        }
    }

    void verify_all()
    {
        for (auto &[h, b] : live_)
            verify(h, b);
    }

    void free_all()
    {
        for (auto &[h, b] : live_)
            ASSERT_EQ(walloc_free(w_, h, b.size), WALLOC_OK);
        live_.clear();
    }

private:
    std::map<walloc_handle, Block>::iterator pick(Rng &rng)
    {
        auto it = live_.lower_bound(rng.next() % (base_[WALLOC_TIER_BOTTOM] * 2));
        return it == live_.end() ? live_.begin() : it;
    }

    void verify(walloc_handle h, const Block &b)
    {
        std::vector<uint8_t> got(b.size);
        ASSERT_EQ(walloc_read(w_, h, got.data(), b.size), WALLOC_OK);
        ASSERT_TRUE(got == b.bytes) << "contents of block " << h << " changed";
    }

    void drop_from(walloc_tier t, uint64_t keep)
    {
        for (auto it = live_.begin(); it != live_.end();)
            it = it->second.tier == t && it->first >= base_[t] + keep ? live_.erase(it) : std::next(it);
    }

    walloc *w_;
    bool checked_;
    uint64_t base_[3];
    uint64_t failed_[3] = {};
    std::map<walloc_handle, Block> live_;
};

void run_model(bool checked, uint64_t seed)
{
    const uint64_t capacity = 24u << 20;
    auto w = make_walloc(capacity, checked);
    ASSERT_TRUE(w);
    Model m(w.get(), capacity, checked);
    Rng rng(seed);
    for (int step = 0; step < 60000; step++) {
        uint64_t op = rng.below(1000);
        if (op < 480)
            m.alloc(rng);
        else if (op < 900)
            m.free_one(rng);
        else if (op < 950)
            m.write_some(rng);
        else if (op < 990)
            m.copy_some(rng);
        else if (op < 995)
            m.compact(rng);
        else
            m.reset(rng);
        if (::testing::Test::HasFatalFailure())
            FAIL() << "seed " << seed << " step " << step;
        if (step % 97 == 0) {
            m.check_stats();
            if (::testing::Test::HasFatalFailure())
                FAIL() << "seed " << seed << " step " << step;
        }
    }
    m.verify_all();
    m.free_all();
    m.check_stats();
}

} // namespace

TEST(Model, RandomWorkloadCheckedMode) { run_model(true, 1234); }
TEST(Model, RandomWorkloadUncheckedMode) { run_model(false, 98765); }
TEST(Model, RandomWorkloadAnotherSeed) { run_model(true, 555); }
