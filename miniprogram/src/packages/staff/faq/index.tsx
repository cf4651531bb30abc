import { Input, Text, Textarea, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useState } from 'react';
import { matchFaq } from '@o2o/shared/rules/faq-match';
import { faqInputSchema } from '@o2o/shared/schemas/groups';
import { Btn } from '../../../components/button';
import { StaffPage, staffRole } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { toast } from '../../../services/navigation';
import { currentSession } from '../../../services/session';
import { staffApi, type FaqEntry } from '../../../services/staff-api';
import '../staff.css';

const splitQuestions = (text: string) => text.split(/[\n,，;；|]/).map((question) => question.trim()).filter(Boolean);

/** Asks the question the way a group member would; the bot answers with the same rule (shared/rules/faq-match). */
function FaqTester({ entries }: { entries: FaqEntry[] }) {
  const [question, setQuestion] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const test = () => {
    const active = entries.filter((entry) => entry.active);
    const match = matchFaq(question, active);
    const entry = match ? active.find((candidate) => candidate.id === match.id) : null;
    setResult(entry ? `机器人会回答：${entry.answer}（匹配「${match!.question}」，相似度 ${Math.round(match!.score * 100)}%）` : '机器人不会回答这个问题：没有足够相近的问法，可以把它加为新问法');
  };
  return (
    <View className='card'>
      <Text className='card-title'>试问一句</Text>
      <View className='row'>
        <Input className='input grow' placeholder='像居民一样提问，如：几点关门' maxlength={100} value={question} onInput={(event) => setQuestion(event.detail.value)} data-testid='faq-test-question' />
        <Btn small disabled={!question.trim()} testId='faq-test' onClick={test}>试问</Btn>
      </View>
      {result ? <Text className='muted' data-testid='faq-test-result'>{result}</Text> : null}
    </View>
  );
}

function FaqForm({ editing, onDone }: { editing: FaqEntry | null; onDone: () => void }) {
  const storeId = currentSession()?.staff?.storeId ?? null;
  const [questions, setQuestions] = useState(editing ? editing.questions.join('\n') : '');
  const [answer, setAnswer] = useState(editing?.answer ?? '');
  const [saving, setSaving] = useState(false);
  const brandWide = staffRole() !== 'store_manager';
  const save = async () => {
    const checked = faqInputSchema.safeParse({ storeId: editing ? editing.storeId : brandWide ? null : storeId, questions: splitQuestions(questions), answer });
    if (!checked.success) {
      toast(checked.error.issues.some((issue) => issue.path[0] === 'answer') ? '请填写回答（最多 1000 字）' : '请填写 1 到 20 个问法，每个最多 100 字');
      return;
    }
    setSaving(true);
    try {
      // An edit is a new entry that replaces the old one: the bot never sees a half-edited entry.
      await staffApi.addFaq(checked.data);
      if (editing) await staffApi.removeFaq(editing.id);
      toast('已保存', 'success');
      setQuestions('');
      setAnswer('');
      onDone();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSaving(false);
    }
  };
  return (
    <View className='card' data-testid='faq-form'>
      <Text className='card-title'>{editing ? '修改问答' : brandWide ? '新增问答（全部门店）' : '新增问答（本店）'}</Text>
      <Text className='caption'>问法：每行一个，居民常见的不同说法都写上</Text>
      <Textarea className='textarea' placeholder={'几点开门\n营业时间'} maxlength={2000} value={questions} onInput={(event) => setQuestions(event.detail.value)} data-testid='faq-questions' />
      <Text className='caption'>回答</Text>
      <Textarea className='textarea' placeholder='每天 7:00-22:00 营业' maxlength={1000} value={answer} onInput={(event) => setAnswer(event.detail.value)} data-testid='faq-answer' />
      <View className='row'>
        {editing ? (
          <Btn small variant='plain' onClick={onDone}>
            取消
          </Btn>
        ) : (
          <View />
        )}
        <Btn small disabled={saving} testId='faq-save' onClick={() => void save()}>
          {saving ? '保存中…' : '保存'}
        </Btn>
      </View>
    </View>
  );
}

function FaqBody() {
  const faqs = useRequest(() => staffApi.faqs());
  const [editing, setEditing] = useState<FaqEntry | null>(null);
  const remove = async (entry: FaqEntry) => {
    const { confirm } = await Taro.showModal({ title: '停用问答', content: `停用后机器人不再回答「${entry.questions[0]}」` });
    if (!confirm) return;
    try {
      await staffApi.removeFaq(entry.id);
      toast('已停用', 'success');
      void faqs.reload();
    } catch (error) {
      toast(errorText(error));
    }
  };
  return (
    <>
      <FaqForm key={editing?.id ?? 'new'} editing={editing} onDone={() => { setEditing(null); void faqs.reload(); }} />
      {faqs.data ? <FaqTester entries={faqs.data} /> : null}
      <StateView loading={faqs.loading} error={faqs.error} data={faqs.data} onRetry={() => void faqs.reload()} isEmpty={(list) => list.length === 0} emptyText='还没有问答，机器人只会回答营业时间等门店信息'>
        {(list) => (
          <View className='card'>
            <Text className='card-title'>{`机器人会回答的问题（${list.length}）`}</Text>
            {list.map((entry) => (
              <View key={entry.id} className='bar-row' data-testid='faq-entry'>
                <View className='row'>
                  <Text className='text-body'>{entry.questions.join(' / ')}</Text>
                  <Text className={entry.storeId ? 'tag' : 'tag tag-grey'}>{entry.storeId ? '本店' : '全部门店'}</Text>
                </View>
                <Text className='muted'>{entry.answer}</Text>
                {entry.storeId !== null || staffRole() !== 'store_manager' ? (
                  <View className='row mt-24'>
                    <Btn small variant='plain' testId='faq-edit' onClick={() => setEditing(entry)}>修改</Btn>
                    <Btn small variant='plain' testId='faq-remove' onClick={() => void remove(entry)}>停用</Btn>
                  </View>
                ) : null}
              </View>
            ))}
          </View>
        )}
      </StateView>
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function Faq() {
  return (
    <StaffPage page='faq'>
      <FaqBody />
    </StaffPage>
  );
}
