// The URL hash (web/app/page/url_state.h): every lab's settings in and out,
// invalid values named in a notice, and the links of earlier versions still
// opening the setup they opened.
#include "web/app/page/url_state.h"

#include <gtest/gtest.h>

#include "web/app/page/app_state.h"

namespace metalab::web {
namespace {

TEST(UrlState, TheReadmeLinksOpenTheirSetup) {
  AppState st;
  apply_url_hash(st, "#view=regression&task=sinusoid&learner=maml&alpha=0.01&beta=0.001&K=5&steps=1&batch=25&width=40&depth=2&seed=3");
  EXPECT_EQ(st.view, ViewId::RegressionLab);
  const RegressionSettings& r = st.regression.settings;
  EXPECT_EQ(r.task, "sinusoid");
  EXPECT_EQ(r.learner, "maml");
  EXPECT_FLOAT_EQ(r.alpha, 0.01f);
  EXPECT_FLOAT_EQ(r.beta, 0.001f);
  EXPECT_EQ(r.k, 5);
  EXPECT_EQ(r.seed, 3u);
  EXPECT_EQ(st.page.url_notice, "");

  apply_url_hash(st, "#view=classification&learner=matchingnet&dataset=glyphs&ways=5&shots=1&seed=1");
  EXPECT_EQ(st.view, ViewId::ClassificationLab);
  EXPECT_EQ(st.classification.settings.learner, "matchingnet");
  EXPECT_EQ(st.classification.settings.ways, 5);
  EXPECT_EQ(st.page.url_notice, "");

  apply_url_hash(st, "#view=memory&seed=2");
  EXPECT_EQ(st.view, ViewId::MemoryLab);
  EXPECT_EQ(st.memory.settings.seed, 2u);
  EXPECT_EQ(st.page.url_notice, "");
}

TEST(UrlState, WhatALinkDoesNotNameTakesItsDefault) {
  AppState st;
  st.regression.settings.learner = "reptile";
  st.regression.settings.k = 33;
  apply_url_hash(st, "view=regression&learner=fomaml");
  EXPECT_EQ(st.regression.settings.learner, "fomaml");
  EXPECT_EQ(st.regression.settings.k, RegressionSettings{}.k);
  apply_url_hash(st, "");
  EXPECT_EQ(st.view, ViewId::SinusoidExplorer);
}

TEST(UrlState, BadValuesFallBackToDefaultsWithANoticeNamingThem) {
  AppState st;
  load_page_content(st);  // the notice's text
  apply_url_hash(st, "#view=regression&alpha=abc&K=7&colour=red");
  EXPECT_FLOAT_EQ(st.regression.settings.alpha, RegressionSettings{}.alpha);
  EXPECT_EQ(st.regression.settings.k, 7);
  const std::string& n = st.page.url_notice;
  EXPECT_NE(n.find("alpha=abc"), std::string::npos) << n;
  EXPECT_NE(n.find("colour (unknown key)"), std::string::npos) << n;
  apply_url_hash(st, "#view=nowhere");
  EXPECT_EQ(st.view, ViewId::SinusoidExplorer);
  EXPECT_NE(st.page.url_notice.find("view=nowhere"), std::string::npos);
  apply_url_hash(st, "#view=classification&dataset=tissue&ways=5");
  EXPECT_EQ(st.classification.settings.ways, 3)
      << "tissue allows 3 ways: the bound is checked after the data set it depends on";
  EXPECT_NE(st.page.url_notice.find("ways=5"), std::string::npos) << st.page.url_notice;
  apply_url_hash(st, "#view=regression&seed=%31%32&K=1%");
  EXPECT_EQ(st.regression.settings.seed, 12u) << "percent-decoded";
  EXPECT_NE(st.page.url_notice.find("K=1%"), std::string::npos);
}

TEST(UrlState, EveryViewRoundTrips) {
  AppState st;
  apply_url_hash(st, "view=regression&task=promoter&learner=metasgd&alpha=0.05&beta=0.002&K=12&steps=3&batch=10&width=64&depth=3&seed=9&adapt=4");
  EXPECT_EQ(make_url_hash(st),
            "view=regression&task=promoter&learner=metasgd&alpha=0.05&beta=0.002&K=12&steps=3&batch=10&width=64&depth=3&seed=9&adapt=4");
  for (const char* hash : {"view=sinusoid&seed=4&K=7&n=3&others=false",
                           "view=classification&learner=fomaml&dataset=fashion&ways=4&shots=2&seed=5&episode=3&you=off",
                           "view=classification&learner=protonet&dataset=glyphs&ways=5&shots=1&seed=1&episode=0&you=label",
                           "view=memory&seed=8&episode=2", "view=gene&data=genes&seed=2&cell=1&gene=4&adapt=3",
                           "view=landscape&steps=3&alpha=0.2&K=5&tasks=10&theta1=2.5&theta2=-1&beta=0.02&seed=4"}) {
    apply_url_hash(st, hash);
    EXPECT_EQ(make_url_hash(st), hash);
    EXPECT_EQ(st.page.url_notice, "") << hash;
  }
  apply_url_hash(st, "view=genes");
  EXPECT_EQ(st.view, ViewId::GeneLab) << "the CLI's task name is an alias";
  // Links written before the "you are the learner" setting still open their setup (you=off).
  apply_url_hash(st, "view=classification&learner=fomaml&dataset=fashion&ways=4&shots=2&seed=5&episode=3");
  EXPECT_EQ(st.page.url_notice, "");
  EXPECT_EQ(st.classification.settings.you, "off");
  EXPECT_EQ(st.classification.settings.episode, 3);
}

TEST(UrlState, LinksOfEarlierVersionsOpenWhatTheyOpened) {
  // Sinusoid and gene links used to carry the regression lab's settings.
  AppState st;
  apply_url_hash(st, "view=sinusoid&task=sinusoid&learner=anil&alpha=0.02&beta=0.001&K=5&steps=1&batch=25&width=40&depth=2&seed=3");
  EXPECT_EQ(st.view, ViewId::SinusoidExplorer);
  EXPECT_EQ(st.regression.settings.learner, "anil");
  EXPECT_EQ(st.regression.settings.k, 5);
  EXPECT_EQ(st.regression.settings.seed, 3u);
  EXPECT_EQ(st.sinusoid.settings.seed, SinusoidSettings{}.seed) << "the explorer showed its default task";
  EXPECT_EQ(st.sinusoid.settings.k, SinusoidSettings{}.k);
  EXPECT_EQ(st.page.url_notice, "");
  apply_url_hash(st, "view=gene&task=genes&learner=reptile&alpha=0.01&beta=0.001&K=10&steps=1&batch=25&width=40&depth=2&seed=1");
  EXPECT_EQ(st.view, ViewId::GeneLab);
  EXPECT_EQ(st.regression.settings.learner, "reptile");
  EXPECT_EQ(st.regression.settings.task, "genes");
  EXPECT_EQ(st.page.url_notice, "");
  // Memory links carried the classification lab's settings.
  apply_url_hash(st, "view=memory&learner=matchingnet&dataset=glyphs&ways=4&shots=2&seed=6");
  EXPECT_EQ(st.view, ViewId::MemoryLab);
  EXPECT_EQ(st.memory.settings.seed, 6u);
  EXPECT_EQ(st.classification.settings.learner, "matchingnet");
  EXPECT_EQ(st.classification.settings.ways, 4);
  EXPECT_EQ(st.classification.settings.seed, 6u);
  EXPECT_EQ(st.page.url_notice, "");
}

TEST(UrlState, TheLanguageIsTheBrowsersUnlessTheLinkNamesOne) {
  AppState st;
  load_page_content(st);
  set_browser_language(st, "en-GB,en");
  apply_url_hash(st, "view=regression");
  EXPECT_EQ(st.strings.language(), "en");
  EXPECT_EQ(make_url_hash(st).find("lang="), std::string::npos) << "the default is not printed";
  apply_url_hash(st, "view=regression&lang=zh");
  EXPECT_EQ(st.strings.language(), "zh");
  EXPECT_NE(make_url_hash(st).find("&lang=zh"), std::string::npos) << "a reload keeps the choice: " << make_url_hash(st);
  EXPECT_TRUE(st.page.url_notice.empty()) << st.page.url_notice;

  for (const char* chinese : {"zh-CN,en", "zh", "zh-Hans-CN", "zh_TW", "ZH-cn"}) {
    AppState zh;
    load_page_content(zh);
    set_browser_language(zh, chinese);
    apply_url_hash(zh, "");
    EXPECT_EQ(zh.strings.language(), "zh") << chinese;
    EXPECT_EQ(make_url_hash(zh).find("lang="), std::string::npos) << chinese;
    apply_url_hash(zh, "view=memory&lang=en");
    EXPECT_EQ(zh.strings.language(), "en");
    EXPECT_NE(make_url_hash(zh).find("&lang=en"), std::string::npos) << "English in a Chinese browser is a choice to keep";
  }
  for (const char* other : {"", "en-US", "zhx", "de,zh-CN", "z"}) {
    AppState en;
    load_page_content(en);
    set_browser_language(en, other);
    EXPECT_EQ(en.ui.default_language, "en") << other;
  }

  // A language the page does not have: named in the notice (in the default language), and left out.
  apply_url_hash(st, "view=regression&lang=fr");
  EXPECT_EQ(st.strings.language(), "en");
  EXPECT_NE(st.page.url_notice.find("lang=fr (en or zh)"), std::string::npos) << st.page.url_notice;
  // The notice is in the link's language.
  apply_url_hash(st, "view=regression&lang=zh&K=500");
  EXPECT_NE(st.page.url_notice.find("K=500"), std::string::npos);
  EXPECT_EQ(st.page.url_notice.rfind(st.strings.text_in("zh", "ui.notice.url_values").substr(0, 6), 0), 0u)
      << st.page.url_notice;
  // A lesson link keeps its language too.
  apply_url_hash(st, "lesson=maml&step=2&lang=zh");
  EXPECT_EQ(st.strings.language(), "zh");
  EXPECT_EQ(make_url_hash(st), "lesson=maml&step=2&lang=zh");
}

}  // namespace
}  // namespace metalab::web
